/**
 * Reading answers that drift from the reference, as a real service or a proxy before it may send
 * them: every tool either works or fails with a clear message, and nothing is spent by a failure.
 * The proxy rewrites the sandbox's real answers; the sandbox's ledger is the truth.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createSceneTools } from '../src/surfaces/library.js';
import {
  type DriftProxy,
  fractionalProgress,
  type Mutation,
  nullsForAbsent,
  numbersAsStrings,
  startDriftProxy,
  unknownFields,
  unknownStatus,
  withoutScenes,
  zonelessTimestamps,
} from './helpers/drift-proxy.js';

const IDEA = 'A lighthouse keeper finds a message in a bottle and sails to answer it.';

let now = Date.UTC(2026, 10, 28, 10, 0, 0);
let sb: Sandbox;
let px: DriftProxy;
let api: SceneProjectsClient;
let tools: ReturnType<typeof createSceneTools>;

beforeAll(async () => {
  sb = await startSandbox({ clock: () => now, timeScale: 1, credits: 1_000_000 });
  px = await startDriftProxy(sb.origin);
  api = new SceneProjectsClient({
    baseUrl: px.url,
    token: sb.token,
    timeouts: { headersMs: 500 },
    retry: { maxAttempts: 2, baseDelayMs: 1 },
    recheckDelaysMs: [5],
  });
  tools = createSceneTools({ api, personId: 1, confirmSpend: async () => true });
});
afterAll(async () => {
  await tools.close();
  await api.close();
  await px.close();
  await sb.close();
});
afterEach(() => px.clear());

const all = (mutate: Mutation) => px.add({ mutate });

async function run(name: string, args: Record<string, unknown>) {
  return tools.execute(name, args);
}

async function proposed(): Promise<number> {
  const r = await run('create_story', { story_idea: IDEA, num_scenes: 2 });
  expect(r.isError, r.text).toBe(false);
  return (r.structured!.project as { id: number }).id;
}

async function completed(): Promise<number> {
  const id = await proposed();
  const r = await run('approve_project', { project_id: id });
  expect(r.structured, r.text).toMatchObject({ outcome: 'started' });
  now += 60 * 60_000;
  return id;
}

const spent = () => sb.ledger().spent;

/** The read and write tools a person uses most, all through the drifting proxy. */
async function everyToolWorks(): Promise<void> {
  const before = spent();
  const id = await proposed();
  expect(typeof id).toBe('number');
  const listed = await run('list_projects', {});
  expect(listed.isError, listed.text).toBe(false);
  const got = await run('get_project', { project_id: id });
  expect(got.isError, got.text).toBe(false);
  expect((got.structured!.project as { id: unknown }).id).toBe(id);
  expect(got.structured!.estimated_credits).toBe(200);
  const edited = await run('update_scene', { project_id: id, scene_number: 1, description: 'At dawn.' });
  expect(edited.isError, edited.text).toBe(false);
  const approved = await run('approve_project', { project_id: id });
  expect(approved.structured, approved.text).toMatchObject({ outcome: 'started', credits: 200 });
  expect(spent() - before).toBe(200);
  const status = await run('get_status', { project_id: id });
  expect(status.isError, status.text).toBe(false);
  expect(status.structured!.status).toMatchObject({ id, status: 'generating' });
}

describe('answers that drift from the reference', () => {
  it('numbers and ids sent as strings', async () => {
    all(numbersAsStrings);
    await everyToolWorks();
  });

  it('null for every absent field', async () => {
    all(nullsForAbsent);
    await everyToolWorks();
  });

  it('unknown fields pass through; an unknown status is followed, not fatal', async () => {
    all(unknownFields);
    await everyToolWorks();
    const id = await completed();
    px.add({ mutate: unknownStatus('completed', 'archived_v2') });
    const got = await run('get_project', { project_id: id });
    expect(got.isError, got.text).toBe(false);
    expect(got.structured!.project).toMatchObject({
      status: 'archived_v2',
      x_upstream_extra: { tier: 'gold' },
    });
    const st = await run('get_status', { project_id: id });
    expect(st.text).toMatch(/archived_v2/);
    expect(st.text).toMatch(/new to this server/);
  });

  it('progress as a fraction: the same percentage, and 100 % when completed', async () => {
    const id = await proposed();
    await run('approve_project', { project_id: id });
    now += 4_000; // part-way through a 2-scene generation at time scale 1
    const truth = await sb_status(id);
    expect(truth.progress).toBeGreaterThan(0);
    expect(truth.progress).toBeLessThan(100);
    all(fractionalProgress);
    const st = await run('get_status', { project_id: id });
    expect((st.structured!.status as { progress: number }).progress).toBeCloseTo(truth.progress, 5);
    expect(st.text).toContain(`${Math.round(truth.progress)}%`);
    now += 60 * 60_000;
    const done = await run('get_status', { project_id: id });
    expect(done.structured!.status).toMatchObject({ status: 'completed', progress: 100 });
    expect(done.text).not.toMatch(/\b1%/);
  });

  it('timestamps without a zone are read as UTC', async () => {
    const id = await proposed();
    const truth = (await sb_project(id)).updated_at as string;
    all(zonelessTimestamps);
    const got = await run('get_project', { project_id: id });
    expect(got.isError, got.text).toBe(false);
    const updated = (got.structured!.project as { updated_at: string }).updated_at;
    expect(Date.parse(updated)).toBe(Date.parse(truth));
  });

  it('no scenes array: "unknown", never "0 scenes"; the quote cannot be priced and nothing is spent', async () => {
    const id = await proposed();
    all(withoutScenes);
    const got = await run('get_project', { project_id: id });
    expect(got.isError, got.text).toBe(false);
    expect(got.structured!.estimated_credits ?? null).toBeNull();
    expect(got.text).toMatch(/Scenes: unknown/);
    expect(got.text).not.toMatch(/about 0 credits|0 scenes/);
    const before = spent();
    const q = await run('approve_project', { project_id: id });
    expect(q.isError).toBe(true);
    expect(q.text).toMatch(/cost cannot be worked out.*Nothing was spent.*get_project/);
    expect(spent()).toBe(before);
    expect((await sb_project(id)).status).toBe('proposed');
  });
});

describe('answers that cannot be read', () => {
  const cases: Array<[string, Parameters<DriftProxy['add']>[0]['fault'], RegExp]> = [
    ['an HTML page with 200', { kind: 'html200', when: 'after' }, /HTML page/],
    [
      'an HTML page with 502',
      { kind: 'status', status: 502, when: 'after', html: true },
      /failed \(HTTP 502\)/,
    ],
    [
      'an HTML page with 500',
      { kind: 'status', status: 500, when: 'before', html: true },
      /failed \(HTTP 500\)/,
    ],
    [
      'JSON cut off part-way',
      { kind: 'raw', status: 200, body: '{"id": 5, "status": "propo', when: 'after' },
      /cut off or invalid/,
    ],
    [
      'JSON of the wrong type',
      { kind: 'raw', status: 200, body: '["not", "a", "project"]', when: 'after' },
      /unexpected shape/,
    ],
    [
      'a status of the wrong type',
      { kind: 'raw', status: 200, body: '{"id": 5, "status": 7}', when: 'after' },
      /unexpected shape/,
    ],
  ];

  it.each(cases)('%s: reads fail as unavailable, saying what came back', async (_name, fault, words) => {
    const id = await proposed();
    for (const tool of ['get_project', 'get_status'] as const) {
      px.add({ method: 'GET', fault });
      const r = await run(tool, { project_id: id });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(words);
      expect(r.text).not.toMatch(/<html|Bad Gateway|propo"/i);
      px.clear();
    }
    px.add({ method: 'GET', path: /\/scene-projects$/, fault });
    const listed = await run('list_projects', {});
    expect(listed.isError).toBe(true);
    expect(listed.text).toMatch(words);
  });
});

async function sb_project(id: number): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}/scene-projects/${id}`, {
    headers: { authorization: `Bearer ${sb.token}` },
  });
  return (await res.json()) as Record<string, unknown>;
}

async function sb_status(id: number): Promise<{ progress: number }> {
  const res = await fetch(`${sb.url}/scene-projects/${id}/status`, {
    headers: { authorization: `Bearer ${sb.token}` },
  });
  return (await res.json()) as { progress: number };
}
