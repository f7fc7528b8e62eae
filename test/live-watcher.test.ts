/**
 * The shared project watcher: coalescing on the real sandbox (100 followers, one poll loop),
 * the adaptive interval, Retry-After, stopping, touched(), waits (change, timeout, abort,
 * heartbeat) and the runtime's live hooks. No fixed sleeps: tests wait on events and conditions.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/errors/index.js';
import { createApiClient, type SceneProjectsClient } from '../src/api/index.js';
import { isTerminalStatus, type ProjectStatusResponse } from '../src/api/schemas.js';
import { changeKinds } from '../src/live/change.js';
import { createLiveLayer } from '../src/live/live.js';
import { ProjectWatcher } from '../src/live/watcher.js';
import { silentLogger } from '../src/log.js';
import { parseProjectUri } from '../src/resource-uris.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';
import { until } from './helpers/wait.js';

/** A stub upstream: answers whatever `next` returns and records when it was asked. */
function stubApi(first: Partial<ProjectStatusResponse> = {}) {
  const calls: number[] = [];
  let next: () => ProjectStatusResponse | Promise<ProjectStatusResponse> = () => ({
    id: 7,
    status: 'generating',
    progress: 10,
    current_step: 'generating_scene_images',
    ...first,
  });
  return {
    calls,
    set(fn: typeof next) {
      next = fn;
    },
    api: {
      async getStatus(id: number): Promise<ProjectStatusResponse> {
        calls.push(Date.now());
        const s = await next();
        return { ...s, id };
      },
    },
  };
}

describe('coalescing on the sandbox', () => {
  let sb: Sandbox;
  let api: SceneProjectsClient;
  beforeAll(async () => {
    sb = await startSandbox({ timeScale: 5, credits: 100_000 });
    api = createApiClient({ baseUrl: sb.url, token: sb.token });
  });
  afterAll(async () => {
    await api.close();
    await sb.close();
  });

  it('100 followers of one generating project cause one status request per interval', async () => {
    const INTERVAL = 100;
    const p = await api.createStory({
      person_id: 1,
      story_idea: 'A lighthouse keeper befriends a storm.',
      num_scenes: 3,
    });
    await api.approveProject(p.id, { confirm_credits: true });
    const watcher = new ProjectWatcher({
      api,
      minIntervalMs: INTERVAL,
      maxIntervalMs: INTERVAL,
      progressCapMs: INTERVAL,
    });
    const statusPath = `/api/v1/scene-projects/${p.id}/status`;
    const before = sb.requests().length;

    // Each follower behaves like an agent calling get_status with wait_seconds in a loop.
    const follower = async (): Promise<{ last: ProjectStatusResponse; wakes: number }> => {
      let since: ProjectStatusResponse | undefined;
      let wakes = 0;
      for (;;) {
        const r = await watcher.waitForChange(p.id, { since, timeoutMs: 10_000 });
        wakes++;
        since = r.snapshot;
        if (isTerminalStatus(r.snapshot.status)) return { last: r.snapshot, wakes };
      }
    };
    const results = await Promise.all(Array.from({ length: 100 }, follower));
    for (const r of results) {
      expect(r.last.status).toBe('completed');
      expect(r.wakes).toBeGreaterThan(2);
    }

    const polls = sb
      .requests()
      .slice(before)
      .filter((r) => r.method === 'GET' && r.path === statusPath);
    const span = polls.at(-1)!.at - polls[0]!.at;
    // One loop: at most one request per interval over the span (plus the first one)…
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.length).toBeLessThanOrEqual(Math.floor(span / INTERVAL) + 1);
    // …and never two requests closer than the interval (100 pollers would be ~0 ms apart).
    const gaps = polls.slice(1).map((r, i) => r.at - polls[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL - 5);
    // Ended: nothing scheduled, nobody left following.
    expect(watcher.isPolling(p.id)).toBe(false);
    expect(watcher.followers(p.id)).toBe(0);
    watcher.close();
  });

  it('a second project is polled by its own loop, and a late follower joins the schedule', async () => {
    const p = await api.createStory({
      person_id: 1,
      story_idea: 'Two robots learn to dance in the rain.',
      num_scenes: 2,
    });
    await api.approveProject(p.id, { confirm_credits: true });
    const watcher = new ProjectWatcher({ api, minIntervalMs: 80, maxIntervalMs: 80, progressCapMs: 80 });
    const release = watcher.follow(p.id);
    let ended = false;
    watcher.onChange((c) => {
      if (c.projectId === p.id && c.ended) ended = true;
    });
    await until(() => watcher.latest(p.id) !== undefined, 'first snapshot', 5000);
    const release2 = watcher.follow(p.id); // joins: no extra immediate request
    expect(watcher.followers(p.id)).toBe(2);
    await until(() => ended, 'completion', 10_000);
    const polls = sb.requests().filter((r) => r.path === `/api/v1/scene-projects/${p.id}/status`);
    const gaps = polls.slice(1).map((r, i) => r.at - polls[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(75);
    release();
    release();
    release2();
    expect(watcher.followers(p.id)).toBe(0);
    watcher.close();
  });
});

describe('interval policy (stub upstream, fake timers: the production schedule, exact and instant)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const gapsOf = (calls: number[]) => calls.slice(1).map((t, i) => t - calls[i]!);

  it('backs off ×1.5 from 1 s up to 15 s while nothing changes, and resets on a meaningful change', async () => {
    const stub = stubApi();
    const w = new ProjectWatcher({ api: stub.api });
    const release = w.follow(7);
    await vi.advanceTimersByTimeAsync(80_000);
    expect(gapsOf(stub.calls)).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 11393, 15000, 15000, 15000]);
    expect(w.intervalOf(7)).toBe(15_000);

    stub.set(() => ({ id: 7, status: 'generating', progress: 40, current_step: 'generating_scene_videos' }));
    const n = stub.calls.length;
    await vi.advanceTimersByTimeAsync(stub.calls.at(-1)! + 15_000 + 1000 + 1500 - Date.now());
    expect(gapsOf(stub.calls.slice(n - 1))).toEqual([15_000, 1000, 1500]);
    release();
    w.close();
  });

  it('progress alone keeps polling brisk: ×1.25 up to the 5 s progress cap', async () => {
    const stub = stubApi();
    let progress = 0;
    stub.set(() => ({ id: 7, status: 'generating', progress: ++progress, current_step: 'images' }));
    const w = new ProjectWatcher({ api: stub.api });
    const release = w.follow(7);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(gapsOf(stub.calls)).toEqual([
      1000, 1250, 1563, 1954, 2443, 3054, 3818, 4773, 5000, 5000, 5000, 5000,
    ]);
    release();
    w.close();
  });

  it('honours Retry-After when rate limited, then goes back to its own pace', async () => {
    const stub = stubApi();
    let limited = true;
    stub.set(() => {
      if (limited) {
        limited = false;
        throw new ApiError({
          kind: 'rate_limited',
          message: 'slow down',
          hint: 'wait',
          retryAfterSeconds: 30,
        });
      }
      return { id: 7, status: 'generating', progress: 1, current_step: 'x' };
    });
    const w = new ProjectWatcher({ api: stub.api });
    const release = w.follow(7);
    await vi.advanceTimersByTimeAsync(32_000);
    expect(gapsOf(stub.calls)).toEqual([30_000, 1000]);
    release();
    w.close();
  });

  it('gives up a project that is gone after three answers in a row, until touched', async () => {
    const stub = stubApi();
    stub.set(() => {
      throw new ApiError({ kind: 'not_found', message: 'Project 7 was not found.', hint: 'list_projects' });
    });
    const w = new ProjectWatcher({ api: stub.api });
    const release = w.follow(7);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(gapsOf(stub.calls)).toEqual([15_000, 15_000]);
    expect(w.isPolling(7)).toBe(false);
    w.touched(7);
    expect(stub.calls).toHaveLength(4);
    release();
    w.close();
  });

  it('a wait with nothing new sends a heartbeat every 8 s and ends at its deadline, unchanged', async () => {
    const stub = stubApi();
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 60_000, maxIntervalMs: 60_000 });
    const since = { id: 7, status: 'generating', progress: 10, current_step: 'generating_scene_images' };
    const beats: number[] = [];
    const t0 = Date.now();
    const wait = w.waitForChange(7, {
      since,
      timeoutMs: 30_000,
      onSnapshot: () => beats.push(Date.now() - t0),
    });
    await vi.advanceTimersByTimeAsync(30_000);
    const r = await wait;
    expect(r.changed).toBe(false);
    expect(beats).toEqual([8000, 16_000, 24_000]);
    expect(stub.calls).toHaveLength(0); // the seed spared the immediate poll; the next is 60 s away
    w.close();
  });
});

describe('interval policy (stub upstream)', () => {
  it('stops at the end (upscaling is not an end) and touched() polls again at once', async () => {
    const stub = stubApi({ status: 'upscaling', current_step: 'upscaling_final_video' });
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 10, maxIntervalMs: 20 });
    const release = w.follow(7);
    await until(() => stub.calls.length >= 3, 'polls while upscaling', 5000);
    expect(w.isPolling(7)).toBe(true);
    stub.set(() => ({ id: 7, status: 'completed', progress: 100, final_video_url: 'http://x/final.mp4' }));
    await until(() => w.latest(7)?.snapshot.status === 'completed', 'completed', 5000);
    await until(() => !w.isPolling(7), 'the loop to stop', 1000);
    const n = stub.calls.length;
    stub.set(() => ({ id: 7, status: 'generating', progress: 5, current_step: 'generating_scene_videos' }));
    w.touched(7); // e.g. regenerate_scene
    expect(stub.calls.length).toBe(n + 1);
    await until(() => w.latest(7)?.snapshot.status === 'generating', 'generating again', 1000);
    expect(w.isPolling(7)).toBe(true);
    release();
    expect(w.isPolling(7)).toBe(false);
    w.close();
  });

  it('touched() during a poll in flight polls again after it: a stale "completed" does not stop the loop', async () => {
    const stub = stubApi({ status: 'completed', progress: 100, final_video_url: 'http://x/final.mp4' });
    let answer: ((s: ProjectStatusResponse) => void) | undefined;
    stub.set(() => new Promise<ProjectStatusResponse>((r) => (answer = r)));
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 10, maxIntervalMs: 20 });
    const release = w.follow(7);
    await until(() => !!answer, 'the first poll to be in flight', 1000);
    // regenerate_scene went through while that read was on its way: its answer predates the change.
    stub.set(() => ({ id: 7, status: 'generating', progress: 5, current_step: 'generating_scene_videos' }));
    w.touched(7);
    answer!({ id: 7, status: 'completed', progress: 100, final_video_url: 'http://x/final.mp4' });
    await until(() => w.latest(7)?.snapshot.status === 'generating', 'the regeneration to be seen', 1000);
    expect(w.isPolling(7)).toBe(true);
    release();
    w.close();
  });

  it('stops polling when the last follower leaves, and a returning follower keeps the schedule', async () => {
    const stub = stubApi();
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 40, maxIntervalMs: 40 });
    const a = w.follow(7);
    const b = w.follow(7);
    await until(() => stub.calls.length >= 1, 'first poll', 1000);
    expect(stub.calls.length).toBe(1); // two followers, one request
    a();
    expect(w.isPolling(7)).toBe(true);
    b();
    await until(() => !w.isPolling(7), 'idle', 1000);
    const n = stub.calls.length;
    const c = w.follow(7);
    expect(stub.calls.length).toBe(n); // no immediate request: the interval is kept
    await until(() => stub.calls.length > n, 'the scheduled poll', 1000);
    c();
    w.close();
  });
});

describe('waitForChange', () => {
  it('returns on the first meaningful change, not on progress alone', async () => {
    const stub = stubApi();
    let i = 0;
    stub.set(() => {
      i++;
      return i < 4
        ? { id: 7, status: 'generating', progress: 10 + i, current_step: 'generating_scene_images' }
        : { id: 7, status: 'generating', progress: 50, current_step: 'generating_scene_videos' };
    });
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 10, maxIntervalMs: 10, progressCapMs: 10 });
    const seen: number[] = [];
    const since = { id: 7, status: 'generating', progress: 10, current_step: 'generating_scene_images' };
    const r = await w.waitForChange(7, {
      since,
      timeoutMs: 5000,
      onSnapshot: (s) => seen.push(s.progress ?? -1),
    });
    expect(r.changed).toBe(true);
    expect(r.snapshot.current_step).toBe('generating_scene_videos');
    expect(seen).toEqual([11, 12, 13, 50]);
    expect(w.followers(7)).toBe(0);
    w.close();
  });

  it('ends at once when aborted', async () => {
    const stub = stubApi();
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 20, maxIntervalMs: 20 });
    const ac = new AbortController();
    const since = { id: 7, status: 'generating', progress: 10, current_step: 'generating_scene_images' };
    const p = w.waitForChange(7, { since, timeoutMs: 30_000, signal: ac.signal });
    expect(w.followers(7)).toBe(1);
    const t0 = Date.now();
    ac.abort();
    const r = await p;
    expect(Date.now() - t0).toBeLessThan(50);
    expect(r.aborted).toBe(true);
    expect(r.changed).toBe(false);
    expect(w.followers(7)).toBe(0);
    w.close();
  });

  it('rejects when the project cannot be read at all', async () => {
    const stub = stubApi();
    stub.set(() => {
      throw new ApiError({ kind: 'not_found', message: 'Project 7 not found.', hint: 'Check the id.' });
    });
    const w = new ProjectWatcher({ api: stub.api, minIntervalMs: 20, maxIntervalMs: 20 });
    await expect(w.waitForChange(7, { timeoutMs: 5000 })).rejects.toThrow(/not found/);
    w.close();
  });
});

describe('live hooks', () => {
  it('publishes both resource URIs on each change, and listenOpened follows until closed', async () => {
    const stub = stubApi();
    let n = 0;
    stub.set(() => ({ id: 7, status: 'generating', progress: ++n, current_step: 'generating_scene_images' }));
    const layer = createLiveLayer({
      api: stub.api as never,
      logger: silentLogger,
      timing: { minIntervalMs: 10, maxIntervalMs: 10, progressCapMs: 10 },
    });
    const published: string[] = [];
    const off = layer.addPublisher((uri) => published.push(uri));
    const close = layer.listenOpened([
      'scene-projects://projects/7',
      'scene-projects://projects/7/storyboard',
      'other://thing',
    ]);
    expect(layer.watcher.followers(7)).toBe(1); // one follow per listen, whatever the number of its URIs
    await until(() => published.length >= 4, 'updates', 2000);
    expect(published.slice(0, 2)).toEqual([
      'scene-projects://projects/7',
      'scene-projects://projects/7/storyboard',
    ]);
    close();
    close();
    expect(layer.watcher.followers(7)).toBe(0);
    off();
    layer.close();
  });

  it('parses project URIs and classifies changes', () => {
    expect(parseProjectUri('scene-projects://projects/12')).toEqual({ id: 12, view: 'project' });
    expect(parseProjectUri('scene-projects://projects/12/storyboard')).toEqual({
      id: 12,
      view: 'storyboard',
    });
    expect(parseProjectUri('scene-projects://projects/0')).toBeUndefined();
    expect(parseProjectUri('scene-projects://projects/x')).toBeUndefined();
    const a = {
      id: 1,
      status: 'generating',
      progress: 1,
      current_step: 's',
      scenes: [{ scene_number: 1, image_status: 'pending' }],
    };
    expect(changeKinds(a, { ...a, progress: 2 })).toEqual(['progress']);
    expect(changeKinds(a, { ...a, scenes: [{ scene_number: 1, image_status: 'completed' }] })).toEqual([
      'scene',
    ]);
    expect(changeKinds(a, { ...a, status: 'completed', current_step: null, final_video_url: 'u' })).toEqual([
      'status',
      'step',
      'final',
    ]);
  });
});

describe('progress messages', () => {
  it('name the scene being worked on, also while one scene is regenerated', async () => {
    const { progressMessage } = await import('../src/live/change.js');
    const base = { id: 1, status: 'generating', progress: 42, current_step: 'generating_scene_videos' };
    expect(
      progressMessage({
        ...base,
        scenes: [
          { scene_number: 1, image_status: 'completed', video_status: 'completed' },
          { scene_number: 2, image_status: 'completed', video_status: 'generating' },
          { scene_number: 3, image_status: 'completed', video_status: 'pending' },
        ],
      }),
    ).toBe('generating scene videos, scene 2 of 3 42%');
    expect(
      progressMessage({
        ...base,
        current_step: 'generating_scene_images',
        scenes: [
          { scene_number: 1, image_status: 'completed', video_status: 'completed' },
          { scene_number: 2, image_status: 'completed', video_status: 'completed' },
          { scene_number: 3, image_status: 'generating', video_status: 'pending' },
          { scene_number: 4, image_status: 'completed', video_status: 'completed' },
        ],
      }),
    ).toBe('generating scene images, scene 3 of 4 42%');
    expect(progressMessage({ id: 1, status: 'completed', progress: 100 })).toBe('completed 100%');
  });
});
