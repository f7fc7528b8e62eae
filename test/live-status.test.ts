/**
 * get_status with wait_seconds through a real MCP client, on both protocol eras (in memory, through
 * serveStdio): it returns early on a change, sends progress while waiting (heartbeats included),
 * never runs past wait_seconds, and a cancelled call stops waiting at once.
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
  textOf,
  watcherOf,
} from './live-harness.js';

interface Progress {
  at: number;
  progress: number;
  message?: string;
}

describe.each<Era>(['legacy', 'modern'])('get_status wait_seconds (%s era)', (era) => {
  // Quick: a scene image takes 0.2 s at time scale 3, so a step or scene changes well within a wait.
  let quick: LiveEnv;
  // Frozen: at time scale 0.001 nothing changes for minutes; heartbeats every 100 ms.
  let frozen: LiveEnv;
  let qc: { client: Client; close(): Promise<void> };
  let fc: { client: Client; close(): Promise<void> };

  beforeAll(async () => {
    quick = await liveEnv({
      timeScale: 3,
      watch: { minIntervalMs: 50, maxIntervalMs: 200, progressCapMs: 100 },
    });
    frozen = await liveEnv({
      timeScale: 0.001,
      watch: { minIntervalMs: 5000, maxIntervalMs: 5000, heartbeatMs: 100 },
    });
    qc = await connect(quick.rt, era);
    fc = await connect(frozen.rt, era);
  });
  afterAll(async () => {
    await qc?.close();
    await fc?.close();
    await quick?.close();
    await frozen?.close();
  });

  it('returns early when something meaningful changes, with progress and a next step', async () => {
    const id = await generatingProject(quick.rt);
    const progress: Progress[] = [];
    const t0 = Date.now();
    const r = await qc.client.callTool(
      { name: 'get_status', arguments: { project_id: id, wait_seconds: 20 } },
      { onprogress: (p) => progress.push({ at: Date.now(), progress: p.progress, message: p.message }) },
    );
    const took = Date.now() - t0;
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as {
      changed: boolean;
      waited_seconds: number;
      done: boolean;
      next_step: string;
    };
    expect(s.changed).toBe(true);
    expect(took).toBeLessThan(5000);
    expect(s.waited_seconds).toBeLessThan(5);
    expect(s.next_step).toMatch(/get_status|final_video_url/);
    expect(textOf(r)).toMatch(/Next: /);
    // The result links to the project's resource.
    const links = (r.content as Array<{ type: string; uri?: string }>).filter(
      (c) => c.type === 'resource_link',
    );
    expect(links.map((l) => l.uri)).toContain(`scene-projects://projects/${id}`);
    // The first progress (sent as the wait starts) precedes the end by a margin.
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]!.message).toMatch(/generating|scene|%/);
  });

  it('follows to completed with repeated waits', async () => {
    const id = await generatingProject(quick.rt, 2);
    let last: { status: { status: string; final_video_url?: string }; done: boolean } | undefined;
    for (let i = 0; i < 30 && !last?.done; i++) {
      const r = await qc.client.callTool({
        name: 'get_status',
        arguments: { project_id: id, wait_seconds: 20 },
      });
      last = r.structuredContent as typeof last;
    }
    expect(last?.done).toBe(true);
    expect(last?.status.status).toBe('completed');
    expect(last?.status.final_video_url).toMatch(/^http/);
  });

  it('until "done" follows to completion in one call where "change" takes several, with progress', async () => {
    const byChange = await generatingProject(quick.rt, 2);
    let changeCalls = 0;
    for (let done = false; !done && changeCalls < 30; changeCalls++) {
      const r = await qc.client.callTool({
        name: 'get_status',
        arguments: { project_id: byChange, wait_seconds: 20 },
      });
      done = (r.structuredContent as { done: boolean }).done;
    }
    expect(changeCalls).toBeGreaterThan(2);

    const id = await generatingProject(quick.rt, 2);
    const progress: Progress[] = [];
    const r = await qc.client.callTool(
      { name: 'get_status', arguments: { project_id: id, wait_seconds: 20, until: 'done' } },
      { onprogress: (p) => progress.push({ at: Date.now(), progress: p.progress, message: p.message }) },
    );
    const s = r.structuredContent as { done: boolean; changed: boolean; status: { status: string } };
    expect(s.done).toBe(true);
    expect(s.changed).toBe(true);
    expect(s.status.status).toBe('completed');
    expect(textOf(r)).toMatch(/Final video: http/);
    // Progress went on through the intermediate steps the call did not return at.
    expect(new Set(progress.map((p) => p.message)).size).toBeGreaterThanOrEqual(2);
  });

  it('until "done" still returns when wait_seconds runs out, saying it is not done', async () => {
    const id = await generatingProject(frozen.rt);
    const t0 = Date.now();
    const r = await fc.client.callTool({
      name: 'get_status',
      arguments: { project_id: id, wait_seconds: 1, until: 'done' },
    });
    const s = r.structuredContent as { done: boolean; next_step: string };
    expect(s.done).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1600);
    expect(s.next_step).toMatch(/until "done"/);
  });

  it('sends heartbeat progress while nothing changes, and never runs past wait_seconds', async () => {
    const id = await generatingProject(frozen.rt);
    const progress: Progress[] = [];
    const t0 = Date.now();
    const r = await fc.client.callTool(
      { name: 'get_status', arguments: { project_id: id, wait_seconds: 1 } },
      { onprogress: (p) => progress.push({ at: Date.now(), progress: p.progress, message: p.message }) },
    );
    const end = Date.now();
    const s = r.structuredContent as { changed: boolean; waited_seconds: number; next_step: string };
    expect(s.changed).toBe(false);
    expect(end - t0).toBeGreaterThanOrEqual(950);
    expect(end - t0).toBeLessThan(1600);
    expect(s.waited_seconds).toBeLessThanOrEqual(1.2);
    expect(s.next_step).toMatch(/^Nothing new yet/);
    // Heartbeats every 100 ms: count only those well before the end (the last ones may be dropped).
    const early = progress.filter((p) => p.at < end - 200);
    expect(early.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.progress).toBeGreaterThan(progress[i - 1]!.progress);
    expect(early[0]!.message).toMatch(/scene 1 of 3/);
  });

  it('a cancelled call stops waiting at once', async () => {
    const id = await generatingProject(frozen.rt);
    const watcher = watcherOf(frozen.rt);
    const ac = new AbortController();
    let firstProgress: () => void = () => {};
    const progressed = new Promise<void>((r) => {
      firstProgress = r;
    });
    const call = fc.client.callTool(
      { name: 'get_status', arguments: { project_id: id, wait_seconds: 50 } },
      { signal: ac.signal, onprogress: () => firstProgress() },
    );
    const settled = call.then(
      () => 'resolved',
      () => 'rejected',
    );
    await progressed;
    expect(watcher.followers(id)).toBe(1);
    const t0 = Date.now();
    ac.abort('the person clicked Stop');
    expect(await settled).toBe('rejected');
    await until(() => watcher.followers(id) === 0, 'the wait to end on the server', 1000);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('does not wait on a proposed project (nothing moves until the person approves)', async () => {
    const id = await proposedProject(quick.rt);
    const t0 = Date.now();
    const r = await qc.client.callTool({
      name: 'get_status',
      arguments: { project_id: id, wait_seconds: 30 },
    });
    expect(Date.now() - t0).toBeLessThan(2000);
    const s = r.structuredContent as { changed: boolean; next_step: string };
    expect(s.changed).toBe(false);
    expect(s.next_step).toMatch(/approve_project/);
  });

  it('rejects wait_seconds above 50', async () => {
    const id = await proposedProject(quick.rt);
    const r = await qc.client.callTool({
      name: 'get_status',
      arguments: { project_id: id, wait_seconds: 51 },
    });
    expect(r.isError).toBe(true);
  });
});
