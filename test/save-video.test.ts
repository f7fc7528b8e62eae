/**
 * save_video on the sandbox: the served MP4 lands in the media folder byte for byte, a second save
 * answers with the same file, another file of the name is never overwritten, a download cut mid-way
 * is resumed with Range, and a path escape or a folder that cannot be written is refused with
 * nothing left behind. Over HTTP (and in the library) the tool exists only with an explicit folder.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../src/runtime.js';
import { createSceneTools } from '../src/surfaces/library.js';
import { type Connected, call, connect, sandboxRuntime, type ToolResult, text } from './helpers/mcp.js';
import { until } from './helpers/wait.js';

type Saved = { folder: string; files: { path: string; bytes: number; already_saved: boolean }[] };

async function completedProject(rt: Runtime, description?: string): Promise<number> {
  const p = await rt.api.createStory({
    person_id: 1,
    story_idea: 'A paper boat crosses a rainy city to reach the sea.',
    num_scenes: 2,
  });
  if (description) rt.sandbox!.patchProject(p.id, { description });
  await rt.api.approveProject(p.id, { confirm_credits: true });
  await until(async () => (await rt.api.getStatus(p.id)).status === 'completed', 'the project to complete');
  return p.id;
}

/** The bytes the sandbox serves at the project's final video URL. */
async function served(rt: Runtime, id: number): Promise<Buffer> {
  const url = (await rt.api.getProject(id)).final_video_url!;
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

/** An MP4 a player can open: top-level boxes that tile the file exactly, with ftyp first, moov and mdat. */
function mp4Boxes(b: Buffer): string[] {
  const boxes: string[] = [];
  for (let i = 0; i < b.length; ) {
    const size = b.readUInt32BE(i);
    expect(size, `box at ${i}`).toBeGreaterThanOrEqual(8);
    boxes.push(b.toString('latin1', i + 4, i + 8));
    i += size;
    expect(i).toBeLessThanOrEqual(b.length);
  }
  return boxes;
}

const savedOf = (r: ToolResult) => {
  expect(r.isError, text(r)).toBeFalsy();
  return r.structuredContent as unknown as Saved;
};
const entries = (dir: string) => readdirSync(dir).sort();

describe('save_video', () => {
  let rt: Runtime;
  let c: Connected;
  let root: string;
  let dir: string;
  let id: number;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'save-video-'));
    dir = join(root, 'media', 'scene-projects');
    rt = await sandboxRuntime(['--media-dir', dir]);
    c = await connect(rt);
    id = await completedProject(rt);
  });
  afterAll(async () => {
    await c?.close();
    await rt?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a playable MP4 equal to the served file, with progress, and links it by file:// URI', async () => {
    const progress: number[] = [];
    const r = (await c.client.callTool(
      { name: 'save_video', arguments: { project_id: id } },
      { onprogress: (p) => progress.push(p.progress) },
    )) as ToolResult;
    const saved = savedOf(r);
    expect(saved.folder).toBe(dir);
    expect(saved.files).toHaveLength(1);
    const file = saved.files[0]!;
    expect(file.already_saved).toBe(false);
    expect(dirname(file.path)).toBe(dir);
    expect(basename(file.path)).toBe(`A-paper-boat-crosses-a-rainy-city-to-reach-the-sea-project-${id}.mp4`);
    const bytes = readFileSync(file.path);
    expect(bytes.equals(await served(rt, id))).toBe(true);
    expect(file.bytes).toBe(bytes.length);
    expect(mp4Boxes(bytes)[0]).toBe('ftyp');
    expect(mp4Boxes(bytes)).toEqual(expect.arrayContaining(['moov', 'mdat']));
    expect(progress.at(-1)).toBe(100);
    const link = r.content.find((b) => b.type === 'resource_link') as { uri: string; mimeType?: string };
    expect(fileURLToPath(link.uri)).toBe(file.path);
    expect(link.mimeType).toBe('video/mp4');
    expect(text(r)).toContain(`Saved: ${file.path}`);
    // Nothing but the video: no temporary file is left.
    expect(entries(dir)).toEqual([basename(file.path)]);
  });

  it('answers a second save with the file already there', async () => {
    const first = savedOf(await call(c, 'save_video', { project_id: id })).files[0]!;
    const again = savedOf(await call(c, 'save_video', { project_id: id })).files[0]!;
    expect(again).toEqual({ ...first, already_saved: true });
    expect(entries(dir)).toEqual([basename(first.path)]);
  });

  it('never overwrites another file of the same name: the new one takes a numbered name', async () => {
    const name = `kept-${id}`;
    writeFileSync(join(dir, `${name}.mp4`), 'the person’s own file');
    const r = savedOf(await call(c, 'save_video', { project_id: id, file_name: `${name}.mp4` }));
    expect(r.files[0]!.path).toBe(join(dir, `${name}-2.mp4`));
    expect(readFileSync(join(dir, `${name}.mp4`), 'utf8')).toBe('the person’s own file');
    // Saved again, it is recognised under its numbered name.
    const again = savedOf(await call(c, 'save_video', { project_id: id, file_name: name }));
    expect(again.files[0]).toMatchObject({ path: join(dir, `${name}-2.mp4`), already_saved: true });
  });

  it('resumes with Range after the connection drops mid-download', async () => {
    const other = await completedProject(rt);
    const url = new URL((await rt.api.getProject(other)).final_video_url!);
    rt.sandbox!.injectFault({
      path: new RegExp(`^${url.pathname}$`),
      count: 1,
      fault: { kind: 'reset', when: 'midway' },
    });
    const r = savedOf(await call(c, 'save_video', { project_id: other, file_name: 'resumed' }));
    const expected = await served(rt, other);
    expect(readFileSync(r.files[0]!.path).equals(expected)).toBe(true);
    const gets = rt.sandbox!.requests().filter((q) => q.path === url.pathname && q.method === 'GET');
    expect(gets[0]).toMatchObject({ fault: 'reset' });
    expect(gets[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(gets[1]?.status).toBe(206);
  });

  it('keeps names from the project inside the folder, and refuses a file_name that leaves it', async () => {
    const sly = await completedProject(rt, '../../../escaped/..\\evil');
    const r = savedOf(await call(c, 'save_video', { project_id: sly }));
    expect(r.files[0]!.path).toBe(join(dir, `escaped-evil-project-${sly}.mp4`));
    for (const file_name of [
      '../outside.mp4',
      '/tmp/outside.mp4',
      'a/b.mp4',
      '..',
      'C:evil.mp4',
      '..\\x.mp4',
    ]) {
      const bad = await call(c, 'save_video', { project_id: sly, file_name });
      expect(bad.isError, file_name).toBe(true);
      expect(text(bad)).toMatch(/must be a plain file name.*Nothing was saved/);
    }
    expect(entries(root)).toEqual(['media']);
    expect(entries(dirname(dir))).toEqual(['scene-projects']);
  });

  it('says when there is no video yet, and saves scene images as files', async () => {
    const p = await rt.api.createStory({
      person_id: 1,
      story_idea: 'A kite follows a letter across the hills.',
    });
    const r = await call(c, 'save_video', { project_id: p.id });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/has no final video yet \(status proposed\).*Nothing was saved/);
    const images = savedOf(await call(c, 'save_video', { project_id: id, what: 'images' }));
    expect(images.files.map((f) => basename(f.path))).toEqual([
      `A-paper-boat-crosses-a-rainy-city-to-reach-the-sea-project-${id}-scene-1.jpg`,
      `A-paper-boat-crosses-a-rainy-city-to-reach-the-sea-project-${id}-scene-2.jpg`,
    ]);
    expect([...readFileSync(images.files[0]!.path).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('refuses a folder that cannot be written, leaving nothing behind', async () => {
    // Root can write anywhere, but no one can make a folder under a regular file.
    const blocker = join(root, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const blocked = await sandboxRuntime(['--media-dir', join(blocker, 'videos', 'scene-projects')], {
      sandbox: rt.sandbox,
    });
    const bc = await connect(blocked);
    try {
      const r = await call(bc, 'save_video', { project_id: id });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(
        /^Cannot save into the media folder .*not-a-folder.*: part of that path is a file, not a folder\. Choose a folder you can write with --media-dir or TWIN_MEDIA_DIR.*Nothing was saved\.$/,
      );
      expect(statSync(blocker).isFile()).toBe(true);
      expect(entries(root)).toEqual(['media', 'not-a-folder']);
    } finally {
      await bc.close();
      await blocked.close();
    }
  });
});

describe('where save_video is offered', () => {
  const names = async (flags: string[]) => {
    const rt = await sandboxRuntime(flags);
    const c = await connect(rt);
    try {
      return (await c.client.listTools()).tools.map((t) => t.name);
    } finally {
      await c.close();
      await rt.close();
    }
  };

  it('over stdio always; over HTTP only with an explicit --media-dir; never in read-only mode', async () => {
    expect(await names([])).toContain('save_video');
    expect(await names(['--http'])).not.toContain('save_video');
    const dir = mkdtempSync(join(tmpdir(), 'save-video-http-'));
    try {
      expect(await names(['--http', '--media-dir', dir])).toContain('save_video');
      expect(await names(['--read-only', '--media-dir', dir])).not.toContain('save_video');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in the library only with the mediaDir option', async () => {
    const rt = await sandboxRuntime();
    try {
      const without = createSceneTools({ api: rt.api });
      expect(without.get('save_video')).toBeUndefined();
      const dir = mkdtempSync(join(tmpdir(), 'save-video-lib-'));
      const withDir = createSceneTools({ api: rt.api, mediaDir: dir });
      const id = await completedProject(rt);
      const r = await withDir.execute('save_video', { project_id: id });
      expect(r.isError, r.text).toBe(false);
      expect(readdirSync(dir)).toHaveLength(1);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await rt.close();
    }
  });
});
