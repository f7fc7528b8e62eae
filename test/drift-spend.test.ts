/**
 * Every spend outcome matches the sandbox's ledger, whatever the service or a proxy before it does
 * to the spending request or its answer: a 500, 502 or 503 before or after the request was handled,
 * an HTML page with 200 or 502, a reset before or after, an answer that never comes. "Started" only
 * when the ledger shows the charge; never "nothing was spent" when it does. The answers drift too
 * (nulls, unknown fields, fractional progress, zone-less timestamps, numbers as strings), and vitest
 * runs this file twice, under TZ=UTC and TZ=America/Los_Angeles (see vitest.config.ts), so that
 * reconciliation never reads the local zone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createSceneTools } from '../src/surfaces/library.js';
import {
  type DriftProxy,
  type Fault,
  fractionalProgress,
  nullsForAbsent,
  numbersAsStrings,
  startDriftProxy,
  unknownFields,
  zonelessTimestamps,
} from './helpers/drift-proxy.js';

/** Order matters: nulls and unknown fields first, then their numbers turned into strings. */
const DRIFT = [nullsForAbsent, unknownFields, fractionalProgress, zonelessTimestamps, numbersAsStrings];

const IDEA = 'A lighthouse keeper finds a message in a bottle and sails to answer it.';

/** The sandbox runs on real time shifted forward at will: finished jobs are minutes old, not hours. */
let shift = 0;
let sb: Sandbox;
let px: DriftProxy;
let api: SceneProjectsClient;
let tools: ReturnType<typeof createSceneTools>;

beforeAll(async () => {
  sb = await startSandbox({ clock: () => Date.now() + shift, timeScale: 1, credits: 10_000_000 });
  px = await startDriftProxy(sb.origin);
  api = new SceneProjectsClient({
    baseUrl: px.url,
    token: sb.token,
    timeouts: { headersMs: 400 },
    retry: { maxAttempts: 2, baseDelayMs: 1 },
    recheckDelaysMs: [5, 5],
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

type Op = 'approve' | 'regenerate' | 'upscale';
type Expect = 'started' | 'unknown';

/** [what happens, the fault on the spending request, what the honest outcome is]. */
const FAULTS: Array<[string, Fault, Expect]> = [
  ['500 before handling', { kind: 'status', status: 500, when: 'before' }, 'unknown'],
  ['500 after handling', { kind: 'status', status: 500, when: 'after' }, 'started'],
  ['502 before handling', { kind: 'status', status: 502, when: 'before' }, 'unknown'],
  ['502 after handling', { kind: 'status', status: 502, when: 'after' }, 'started'],
  ['503 before handling', { kind: 'status', status: 503, when: 'before' }, 'unknown'],
  ['503 after handling', { kind: 'status', status: 503, when: 'after' }, 'started'],
  ['HTML 200 before handling', { kind: 'html200', when: 'before' }, 'unknown'],
  ['HTML 200 after handling', { kind: 'html200', when: 'after' }, 'started'],
  ['HTML 502 after handling', { kind: 'status', status: 502, when: 'after', html: true }, 'started'],
  ['reset before handling', { kind: 'reset', when: 'before' }, 'unknown'],
  ['reset after handling', { kind: 'reset', when: 'after' }, 'started'],
  ['answer lost (never comes)', { kind: 'hang' }, 'started'],
];

const SPEND_PATH: Record<Op, RegExp> = {
  approve: /\/approve$/,
  regenerate: /\/regenerate$/,
  upscale: /\/upscale$/,
};

async function run(name: string, args: Record<string, unknown>) {
  return tools.execute(name, args);
}

async function proposed(): Promise<number> {
  const r = await run('create_story', { story_idea: IDEA, num_scenes: 2 });
  expect(r.isError, r.text).toBe(false);
  return (r.structured!.project as { id: number }).id;
}

/** A project that finished a few minutes ago (by the service's clock, which is ours shifted). */
async function completed(): Promise<number> {
  const id = await proposed();
  const r = await run('approve_project', { project_id: id });
  expect(r.structured, r.text).toMatchObject({ outcome: 'started' });
  shift += 10 * 60_000;
  return id;
}

const charges = (id: number, op: Op) =>
  sb.ledger().entries.filter((e) => e.project_id === id && e.kind === op).length;

async function spend(op: Op, id: number) {
  if (op === 'approve') return run('approve_project', { project_id: id });
  if (op === 'regenerate') return run('regenerate_scene', { project_id: id, scene_number: 1 });
  return run('upscale', { project_id: id });
}

/** Started, as the tool reports it: a spend with outcome "started", or an upscale that is not an error. */
const reportedStarted = (op: Op, r: Awaited<ReturnType<typeof spend>>) =>
  op === 'upscale' ? !r.isError : r.structured?.outcome === 'started';

describe(`spend outcomes match the ledger (TZ=${process.env.TZ ?? 'unset'})`, () => {
  it('runs in the zone it was given', () => {
    const offset = new Date(Date.UTC(2026, 0, 15)).getTimezoneOffset();
    if (process.env.TZ === 'America/Los_Angeles') expect(offset).toBe(480);
    if (process.env.TZ === 'UTC') expect(offset).toBe(0);
  });

  for (const op of ['approve', 'regenerate', 'upscale'] as const) {
    it.each(FAULTS)(`${op}: %s`, async (_name, fault, honest) => {
      const id = op === 'approve' ? await proposed() : await completed();
      const before = charges(id, op);
      // The answers drift as well, on reads and spends: every rewrite the read tests use at once.
      for (const mutate of DRIFT) px.add({ mutate });
      px.add({ method: 'POST', path: SPEND_PATH[op], count: 1, fault });
      const r = await spend(op, id);
      const charged = charges(id, op) - before;
      const started = reportedStarted(op, r);

      // Never contradicts the ledger.
      if (started) expect(charged, r.text).toBe(1);
      if (charged) expect(r.text).not.toMatch(/nothing was (spent|charged|done)/i);
      // And says what the evidence allows.
      if (honest === 'started') {
        expect(started, r.text).toBe(true);
        expect(charged).toBe(1);
      } else {
        expect(started, r.text).toBe(false);
        expect(charged).toBe(0);
        expect(r.isError).toBe(true);
        expect(r.text).toMatch(
          op === 'upscale' ? /not known|does not show/ : /may have been charged|could not tell/,
        );
        expect(r.text).toMatch(/get_status/);
      }
    });
  }
});
