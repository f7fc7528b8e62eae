/**
 * Resources, prompts, completion, subscriptions and logging through a real MCP client on both eras
 * (in memory, through serveStdio): list, templates, read JSON and Markdown, complete ids, get the
 * prompts; subscribe (2025: resources/subscribe; 2026: subscriptions/listen) and receive updates
 * through to `completed`; unfollow on unsubscribe and on close.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './helpers/wait.js';
import {
  connect,
  type Era,
  generatingProject,
  type LiveEnv,
  liveEnv,
  proposedProject,
  watcherOf,
} from './live-harness.js';

const text = (r: { contents: Array<{ text?: string } | { blob?: string }> }): string =>
  (r.contents[0] as { text?: string }).text ?? '';

describe.each<Era>(['legacy', 'modern'])('resources and prompts (%s era)', (era) => {
  let env: LiveEnv;
  let conn: { client: Client; close(): Promise<void> };
  let proposed: number;

  beforeAll(async () => {
    env = await liveEnv({
      timeScale: 4,
      watch: { minIntervalMs: 40, maxIntervalMs: 200, progressCapMs: 80 },
    });
    proposed = await proposedProject(env.rt, 'A fox teaches a lighthouse to sing at dawn.');
    conn = await connect(env.rt, era);
  });
  afterAll(async () => {
    await conn?.close();
    await env?.close();
  });

  it('lists recent projects and storyboards, and advertises both templates', async () => {
    const { resources } = await conn.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain(`scene-projects://projects/${proposed}`);
    expect(uris).toContain(`scene-projects://projects/${proposed}/storyboard`);
    const entry = resources.find((r) => r.uri === `scene-projects://projects/${proposed}`)!;
    expect(entry.mimeType).toBe('application/json');
    expect(entry.description).toMatch(/^proposed/);
    const { resourceTemplates } = await conn.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'scene-projects://projects/{id}',
      'scene-projects://projects/{id}/storyboard',
    ]);
  });

  it('reads a project as JSON with its scenes, status and next step', async () => {
    const r = await conn.client.readResource({ uri: `scene-projects://projects/${proposed}` });
    expect(r.contents[0]!.mimeType).toBe('application/json');
    const p = JSON.parse(text(r));
    expect(p.id).toBe(proposed);
    expect(p.status).toBe('proposed');
    expect(p.scenes).toHaveLength(2);
    expect(p.scenes[0].narration_text).toBeTruthy();
    expect(p.storyboard_uri).toBe(`scene-projects://projects/${proposed}/storyboard`);
    expect(p.next_step).toMatch(/approve_project/);
  });

  it('reads the storyboard as Markdown a person can read', async () => {
    const r = await conn.client.readResource({ uri: `scene-projects://projects/${proposed}/storyboard` });
    expect(r.contents[0]!.mimeType).toBe('text/markdown');
    const md = text(r);
    expect(md).toMatch(new RegExp(`^# Storyboard — project ${proposed}: `));
    expect(md).toMatch(/\*\*Status:\*\* proposed/);
    expect(md).toMatch(/### Scene 1/);
    expect(md).toMatch(/### Scene 2/);
    expect(md).toMatch(/\*\*Narration:\*\* “/);
    expect(md).toMatch(/\*\*Image prompt:\*\*/);
  });

  it('reports a bad or unknown project id as an error', async () => {
    await expect(conn.client.readResource({ uri: 'scene-projects://projects/999999' })).rejects.toThrow(
      /999999|not found/i,
    );
    await expect(conn.client.readResource({ uri: 'scene-projects://projects/abc' })).rejects.toThrow();
  });

  it('completes project ids for both templates and for the refine_scene prompt', async () => {
    const prefix = String(proposed).slice(0, 1);
    for (const uri of ['scene-projects://projects/{id}', 'scene-projects://projects/{id}/storyboard']) {
      const c = await conn.client.complete({
        ref: { type: 'ref/resource', uri },
        argument: { name: 'id', value: prefix },
      });
      expect(c.completion.values).toContain(String(proposed));
    }
    const c = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'refine_scene' },
      argument: { name: 'project_id', value: '' },
    });
    expect(c.completion.values).toContain(String(proposed));
    const none = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'refine_scene' },
      argument: { name: 'project_id', value: '0' },
    });
    expect(none.completion.values).toEqual([]);
    const counts = await conn.client.complete({
      ref: { type: 'ref/prompt', name: 'make_video' },
      argument: { name: 'num_scenes', value: '1' },
    });
    expect(counts.completion.values).toEqual(['10']);
  });

  it('offers the make_video and refine_scene prompts', async () => {
    const { prompts } = await conn.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['make_video', 'refine_scene']);
    const mv = await conn.client.getPrompt({
      name: 'make_video',
      arguments: { story_idea: 'A snail wins a race against the moon.', num_scenes: '4' },
    });
    const t = (mv.messages[0]!.content as { text: string }).text;
    expect(t).toMatch(/4 scenes/);
    expect(t).toMatch(/A snail wins a race against the moon/);
    for (const step of ['create_story', 'update_scene', 'approve_project', 'get_status', 'final_video_url']) {
      expect(t).toContain(step);
    }
    expect(t).toMatch(/consent|yes/i);
    const rs = await conn.client.getPrompt({
      name: 'refine_scene',
      arguments: { project_id: String(proposed), scene_number: '2', change: 'make it night' },
    });
    expect((rs.messages[0]!.content as { text: string }).text).toMatch(/scene 2 of scene project/);
    expect(rs.messages[1]!.content).toMatchObject({
      type: 'resource_link',
      uri: `scene-projects://projects/${proposed}/storyboard`,
    });
  });

  it(`delivers resources/updated through to completed (${era === 'modern' ? 'subscriptions/listen' : 'resources/subscribe'})`, async () => {
    const id = await generatingProject(env.rt, 2, 'A kite carries a letter over the mountains.');
    const uri = `scene-projects://projects/${id}`;
    const updates: string[] = [];
    const logs: unknown[] = [];
    let completed = false;
    conn.client.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
    });
    conn.client.setNotificationHandler('notifications/message', (n) => {
      logs.push(n.params.data);
    });
    if (era === 'legacy') await conn.client.setLoggingLevel('info');
    const watcher = watcherOf(env.rt);
    let sub: { close(): Promise<void> } | undefined;
    if (era === 'modern') {
      sub = await conn.client.listen({ resourceSubscriptions: [uri] });
    } else {
      await conn.client.subscribeResource({ uri });
    }
    await until(() => watcher.followers(id) === 1, 'the watcher to follow the project', 2000);
    // Re-read on each update, as a host would, until the resource says completed.
    let reads = 0;
    let seen = 0;
    const deadline = Date.now() + 10_000;
    while (!completed) {
      await until(() => updates.length > seen || Date.now() > deadline, 'an update', 11_000);
      if (Date.now() > deadline) throw new Error(`no completion; updates: ${updates.length}`);
      seen = updates.length;
      const p = JSON.parse(text(await conn.client.readResource({ uri })));
      reads++;
      if (p.status === 'completed') completed = true;
    }
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(new Set(updates)).toEqual(new Set([uri]));
    const final = JSON.parse(text(await conn.client.readResource({ uri })));
    expect(final.status).toBe('completed');
    expect(final.final_video_url).toMatch(/^http/);
    expect(reads).toBeGreaterThanOrEqual(1);
    // The end is logged to this connection at info.
    await until(
      () => logs.some((d) => (d as { message?: string }).message === 'generation completed'),
      'the log',
      2000,
    );
    if (sub) await sub.close();
    else await conn.client.unsubscribeResource({ uri });
    await until(() => watcher.followers(id) === 0, 'the watcher to drop the project', 2000);
  });

  it('unfollows everything when the connection closes', async () => {
    const id = await generatingProject(env.rt, 2, 'A tiny dragon learns to bake bread.');
    const c = await connect(env.rt, era);
    const uri = `scene-projects://projects/${id}/storyboard`;
    if (era === 'modern') await c.client.listen({ resourceSubscriptions: [uri] });
    else await c.client.subscribeResource({ uri });
    const watcher = watcherOf(env.rt);
    await until(() => watcher.followers(id) === 1, 'follow', 2000);
    await c.close();
    await until(() => watcher.followers(id) === 0, 'unfollow on close', 2000);
  });
});

describe('subscription edge cases (2025 era)', () => {
  let env: LiveEnv;
  beforeAll(async () => {
    env = await liveEnv({ timeScale: 4, watch: { minIntervalMs: 40, maxIntervalMs: 200 } });
  });
  afterAll(async () => env?.close());

  it('refuses URIs that are not projects, and counts a URI once per connection', async () => {
    const c = await connect(env.rt, 'legacy');
    await expect(c.client.subscribeResource({ uri: 'file:///etc/passwd' })).rejects.toThrow(
      /Cannot subscribe/,
    );
    const id = await proposedProject(env.rt);
    const uri = `scene-projects://projects/${id}`;
    await c.client.subscribeResource({ uri });
    await c.client.subscribeResource({ uri });
    expect(watcherOf(env.rt).followers(id)).toBe(1);
    await c.client.unsubscribeResource({ uri });
    expect(watcherOf(env.rt).followers(id)).toBe(0);
    await c.close();
  });
});
