/**
 * get_project include_images: the sandbox's JPEG stills come back as MCP image blocks, scaled to
 * ≤ 512 px, in memory and over stdio from the built server; a broken image is named and the others
 * still come.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../src/runtime.js';
import { type Connected, call, connect, sandboxRuntime, text } from './helpers/mcp.js';

type Block = { type: string; text?: string; data?: string; mimeType?: string };

async function completedProject(rt: Runtime, scenes = 3): Promise<number> {
  const p = await rt.api.createStory({
    person_id: 1,
    story_idea: 'A kite follows a letter across the hills.',
    num_scenes: scenes,
  });
  await rt.api.approveProject(p.id, { confirm_credits: true });
  for (let i = 0; i < 400; i++) {
    if ((await rt.api.getStatus(p.id)).status === 'completed') return p.id;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the sandbox did not complete the project');
}

/** A JPEG's dimensions, from its start-of-frame segment. */
function jpegSize(b: Buffer): { width: number; height: number } {
  for (let i = 2; i + 9 < b.length; ) {
    const marker = b[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2)
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + b.readUInt16BE(i + 2);
  }
  throw new Error('no start-of-frame segment');
}

/** Every image block: a JPEG whose decoded longest side is 512 (the stills are 768×432). */
async function expectScaledJpegs(content: Block[], count: number): Promise<void> {
  const images = content.filter((c) => c.type === 'image');
  expect(images).toHaveLength(count);
  for (const img of images) {
    expect(img.mimeType).toBe('image/jpeg');
    const bytes = Buffer.from(img.data!, 'base64');
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(bytes.length).toBeLessThan(60_000);
    expect(jpegSize(bytes)).toEqual({ width: 512, height: 288 });
  }
}

describe('get_project include_images (in memory)', () => {
  let rt: Runtime;
  let c: Connected;
  beforeAll(async () => {
    rt = await sandboxRuntime();
    c = await connect(rt);
  });
  afterAll(async () => {
    await c?.close();
    await rt?.close();
  });

  it('returns each scene image as a labelled JPEG block ≤ 512 px, with the total in the text', async () => {
    const id = await completedProject(rt, 3);
    const r = await call(c, 'get_project', { project_id: id, include_images: true });
    expect(r.isError).toBeFalsy();
    const content = r.content as Block[];
    await expectScaledJpegs(content, 3);
    expect(text(r)).toMatch(
      /Scene images below \(JPEG, longest side ≤ 512 px, \d+ KB in all\): scene 1, scene 2, scene 3\./,
    );
    // Each image follows its label; structuredContent is the usual project.
    const labels = content
      .map((b, i) => (b.type === 'image' ? content[i - 1]?.text : undefined))
      .filter(Boolean);
    expect(labels).toEqual(['Scene 1 (512×288)', 'Scene 2 (512×288)', 'Scene 3 (512×288)']);
    expect((r.structuredContent as { project: { id: number } }).project.id).toBe(id);
  });

  it('without include_images returns no image (and fetches none)', async () => {
    const id = await completedProject(rt, 2);
    const before = rt.sandbox!.requests().filter((q) => q.path.startsWith('/media/')).length;
    const r = await call(c, 'get_project', { project_id: id });
    expect(r.content.some((b) => b.type === 'image')).toBe(false);
    expect(rt.sandbox!.requests().filter((q) => q.path.startsWith('/media/')).length).toBe(before);
  });

  it('names an image that cannot be fetched or decoded; the others still come', async () => {
    const id = await completedProject(rt, 3);
    const project = await rt.api.getProject(id);
    const pathOf = (n: number) =>
      new URL(project.scenes!.find((s) => s.scene_number === n)!.image_url!).pathname;
    const esc = (p: string) => new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    rt.sandbox!.injectFault({ path: esc(pathOf(2)), count: 1, fault: { kind: 'status', status: 404 } });
    rt.sandbox!.injectFault({
      path: esc(pathOf(3)),
      count: 1,
      fault: { kind: 'status', status: 200, body: 'not a picture' },
    });
    const r = await call(c, 'get_project', { project_id: id, include_images: true });
    expect(r.isError).toBeFalsy();
    await expectScaledJpegs(r.content as Block[], 1);
    const t = text(r);
    expect(t).toMatch(/: scene 1\./);
    expect(t).toMatch(/scene 2: image could not be fetched \(HTTP 404\)/);
    expect(t).toMatch(/scene 3: image could not be fetched \(text\/plain cannot be decoded here/);
  });

  it('says so when no scene has an image yet', async () => {
    const p = await rt.api.createStory({
      person_id: 1,
      story_idea: 'A lighthouse learns to sing to ships.',
      num_scenes: 2,
    });
    const r = await call(c, 'get_project', { project_id: p.id, include_images: true });
    expect(r.content.some((b) => b.type === 'image')).toBe(false);
    expect(text(r)).toMatch(/No image yet for scenes 1, 2/);
  });
});

describe('get_project include_images (built server over stdio)', () => {
  it('sends the image blocks over stdio', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [fileURLToPath(new URL('../dist/cli.js', import.meta.url)), '--sandbox', '--time-scale', '400'],
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'pipe',
    });
    const client = new Client(
      { name: 'images-stdio', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { confirm: true },
    }));
    await client.connect(transport);
    try {
      const created = await client.callTool({
        name: 'create_story',
        arguments: { story_idea: 'Two owls run a night bakery in the woods.', num_scenes: 2 },
      });
      const id = (created.structuredContent as { project: { id: number } }).project.id;
      const approved = await client.callTool({ name: 'approve_project', arguments: { project_id: id } });
      expect(approved.isError).toBeFalsy();
      const done = await client.callTool({
        name: 'get_status',
        arguments: { project_id: id, wait_seconds: 30, until: 'done' },
      });
      expect((done.structuredContent as { done: boolean }).done).toBe(true);
      const r = await client.callTool({
        name: 'get_project',
        arguments: { project_id: id, include_images: true },
      });
      expect(r.isError).toBeFalsy();
      await expectScaledJpegs(r.content as Block[], 2);
    } finally {
      await client.close().catch(() => {});
    }
  });
});
