/**
 * The upstream client against the real sandbox over real HTTP: every endpoint, every documented
 * error, the retry rules, spend reconciliation after a lost answer, redaction of the token, lenient
 * reading and cancellation. No fixed sleeps: `sleep` is injected and records what was asked.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReadCoalescer } from '../src/api/coalesce.js';
import { httpError, parseCredits } from '../src/api/errors/index.js';
import {
  ApiError,
  type ClientOptions,
  createApiClient,
  parseRetryAfter,
  redact,
  type SceneProjectsClient,
  sanitize,
} from '../src/api/index.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';

const TOKEN = 'tok_SECRET_9f8e7d6c5b4a3210_xyz';
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

let sb: Sandbox;
let now = T0;
const clock = () => now;
/** Moves the shared clock (sandbox and client) forward. */
const advance = (ms: number) => {
  now += ms;
};

let delays: number[] = [];
const recordSleep = async (ms: number, signal?: AbortSignal) => {
  delays.push(ms);
  if (signal?.aborted) throw signal.reason;
};
const logLines: string[] = [];
const logger = {
  debug: (m: string) => logLines.push(m),
  info: (m: string) => logLines.push(m),
  warn: (m: string) => logLines.push(m),
};

const clients: SceneProjectsClient[] = [];
function client(over: ClientOptions = {}): SceneProjectsClient {
  const c = createApiClient({
    baseUrl: sb.url,
    token: TOKEN,
    sleep: recordSleep,
    random: () => 0.5,
    timeouts: { connectMs: 1000, headersMs: 400, bodyMs: 400 },
    logger,
    ...over,
  });
  clients.push(c);
  return c;
}

/** Rejection as an ApiError (fails the test if the promise resolves or rejects with something else). */
async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected a rejection');
}

const count = (method: string, path: RegExp) =>
  sb.requests().filter((r) => r.method === method && path.test(r.path)).length;

const IDEA = 'A lighthouse keeper finds a message in a bottle and sails to answer it.';

async function proposed(c = client(), scenes = 2) {
  const p = await c.createStory({ person_id: 1, story_idea: IDEA, num_scenes: scenes });
  expect(p.status).toBe('proposed');
  return p;
}

async function completed(c = client(), scenes = 2) {
  const p = await proposed(c, scenes);
  await c.approveProject(p.id, { confirm_credits: true });
  advance(30 * 60_000);
  const s = await c.getStatus(p.id);
  expect(s.status).toBe('completed');
  advance(60_000);
  return p;
}

beforeAll(async () => {
  sb = await startSandbox({ token: TOKEN, clock, timeScale: 1, credits: 100_000, personIds: [1, 2] });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sb.close();
});
beforeEach(() => {
  delays = [];
  sb.setCredits(100_000);
});
afterEach(() => {
  sb.clearFaults();
});

const approveCharges = (id: number) =>
  sb.ledger().entries.filter((e) => e.project_id === id && e.kind === 'approve');
const regenCharges = (id: number) =>
  sb.ledger().entries.filter((e) => e.project_id === id && e.kind === 'regenerate');

describe('endpoints', () => {
  it('creates, lists, reads, edits, approves, follows, regenerates and upscales', async () => {
    const c = client();
    const p = await proposed(c, 3);
    expect(p.scenes).toHaveLength(3);

    const all = await c.listProjects();
    expect(all.some((x) => x.id === p.id)).toBe(true);
    const filtered = await c.listProjects({ person_id: 1, status_filter: 'proposed' });
    expect(filtered.every((x) => x.status === 'proposed')).toBe(true);
    expect(filtered.some((x) => x.id === p.id)).toBe(true);
    expect((await c.listProjects({ person_id: 2 })).some((x) => x.id === p.id)).toBe(false);

    const got = await c.getProject(p.id);
    const scene = got.scenes![0]!;
    const updated = await c.updateScene(p.id, scene.id!, { narration_text: 'A new line.' });
    expect(updated.narration_text).toBe('A new line.');
    expect((await c.getProject(p.id)).scenes![0]!.narration_text).toBe('A new line.');

    const approved = await c.approveProject(p.id, { confirm_credits: true, video_model: 'kling-2.6-pro' });
    expect(approved.status).toBe('generating');
    expect(approved.reconciled).toBeUndefined();
    expect(approveCharges(p.id)).toHaveLength(1);
    expect(approveCharges(p.id)[0]!.credits).toBe(300);

    const running = await c.getStatus(p.id);
    expect(running.status).toBe('generating');
    advance(30 * 60_000);
    const done = await c.getStatus(p.id);
    expect(done.status).toBe('completed');
    expect(done.final_video_url).toMatch(/^http/);

    const regen = await c.regenerateScene(p.id, 2, {
      regenerate_image: true,
      updated_image_prompt: 'stormier sea',
    });
    expect(regen.status).toBe('generating');
    expect(regenCharges(p.id)).toHaveLength(1);
    advance(30 * 60_000);
    expect((await c.getStatus(p.id)).status).toBe('completed');

    const up = await c.upscale(p.id);
    expect(up.status).toBe('upscaling');
    advance(30 * 60_000);
    const fin = await c.getProject(p.id);
    expect(fin.status).toBe('completed');
    expect(fin.final_video_url_upscaled).toMatch(/^http/);
  });

  it('passes unknown statuses and fields through', async () => {
    const c = client();
    const p = await proposed(c);
    sb.patchProject(p.id, { status: 'archived_v2', brand_new_field: { nested: [1, 2] } });
    const got = await c.getProject(p.id);
    expect(got.status).toBe('archived_v2');
    expect(got.brand_new_field).toEqual({ nested: [1, 2] });
    const listed = (await c.listProjects()).find((x) => x.id === p.id)!;
    expect(listed.status).toBe('archived_v2');
    const st = await c.getStatus(p.id);
    expect(st.status).toBe('archived_v2');
    expect(st.brand_new_field).toEqual({ nested: [1, 2] });
  });

  it('accepts a wrapped project list and a new step name', async () => {
    const c = client();
    sb.injectFault({
      path: /\/scene-projects$/,
      count: 1,
      fault: {
        kind: 'status',
        status: 200,
        body: { items: [{ id: 5, status: 'teleporting', current_step: 'x' }] },
      },
    });
    const list = await c.listProjects();
    expect(list).toEqual([{ id: 5, status: 'teleporting', current_step: 'x' }]);
  });

  it('calls an answer that fits no schema unexpected, without quoting it', async () => {
    const c = client();
    const p = await proposed(c);
    sb.injectFault({
      method: 'GET',
      path: /\/scene-projects\/\d+$/,
      count: 1,
      fault: { kind: 'status', status: 200, body: { what: 'MARKER_BODY_TEXT' } },
    });
    const e = await failure(c.getProject(p.id));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/unexpected/);
    expect(e.message).not.toContain('MARKER_BODY_TEXT');
  });
});

describe('errors', () => {
  it('without a token every method rejects at once with not_configured', async () => {
    const c = createApiClient({ baseUrl: sb.url });
    const before = sb.requests().length;
    const calls = [
      c.createStory({ person_id: 1, story_idea: IDEA }),
      c.listProjects(),
      c.getProject(1),
      c.updateScene(1, 1, { description: 'x' }),
      c.approveProject(1, { confirm_credits: true }),
      c.getStatus(1),
      c.regenerateScene(1, 1, {}),
      c.upscale(1),
    ];
    for (const call of calls) {
      const e = await failure(call);
      expect(e.kind).toBe('not_configured');
      expect(e.hint).toContain('TWIN_API_TOKEN');
      expect(e.hint).toContain('--sandbox');
    }
    expect(sb.requests().length).toBe(before);
    await c.close();
  });

  it('validates requests before any I/O', async () => {
    const c = client();
    const before = sb.requests().length;
    const e1 = await failure(c.createStory({ person_id: 1, story_idea: 'short' }));
    expect(e1.kind).toBe('validation');
    expect(e1.fields?.[0]?.field).toBe('story_idea');
    expect(e1.message).toMatch(/at least 10 characters/);
    expect(e1.message).toMatch(/Nothing was sent/);
    const e2 = await failure(c.approveProject(1, { confirm_credits: false as true }));
    expect(e2.fields?.[0]?.field).toBe('confirm_credits');
    const e3 = await failure(c.getProject(-3));
    expect(e3.fields?.[0]?.field).toBe('project_id');
    const e4 = await failure(c.updateScene(1, 2, {}));
    expect(e4.kind).toBe('validation');
    const e5 = await failure(c.regenerateScene(1, 11, {}));
    expect(e5.fields?.[0]?.field).toBe('scene_number');
    const e6 = await failure(c.createStory({ person_id: 1, story_idea: IDEA, extra: 1 } as never));
    expect(e6.kind).toBe('validation');
    expect(sb.requests().length).toBe(before);
  });

  it('maps upstream 422/400 validation bodies to fields', async () => {
    const c = client();
    sb.injectFault({
      method: 'POST',
      count: 1,
      fault: {
        kind: 'status',
        status: 422,
        body: {
          detail: [
            { loc: ['body', 'num_scenes'], msg: 'Input should be less than or equal to 10', type: 'x' },
          ],
        },
      },
    });
    const e = await failure(c.createStory({ person_id: 1, story_idea: IDEA }));
    expect(e.kind).toBe('validation');
    expect(e.status).toBe(422);
    expect(e.fields).toEqual([{ field: 'num_scenes', message: 'Input should be less than or equal to 10' }]);
    sb.injectFault({
      method: 'POST',
      count: 1,
      fault: { kind: 'status', status: 400, body: { detail: 'Invalid story idea\u0000\u001b[31m' } },
    });
    const e2 = await failure(c.createStory({ person_id: 1, story_idea: IDEA }));
    expect(e2.kind).toBe('validation');
    expect(e2.message).toContain('Invalid story idea');
    expect(e2.message).not.toContain('\u0000');
    expect(e2.message).not.toContain('\u001b');
  });

  it('401: the token was rejected, and the bad token is not repeated', async () => {
    const bad = 'tok_WRONG_abcdef0123456789';
    const c = client({ token: bad });
    const e = await failure(c.listProjects());
    expect(e.kind).toBe('unauthorized');
    expect(e.status).toBe(401);
    expect(e.message + e.hint).toMatch(/TWIN_API_TOKEN/);
    expect(inspect(e)).not.toContain(bad);
  });

  it('403: insufficient credits with the figures; nothing charged', async () => {
    const c = client();
    const p = await proposed(c, 2);
    sb.setCredits(50);
    const e = await failure(c.approveProject(p.id, { confirm_credits: true }));
    expect(e.kind).toBe('insufficient_credits');
    expect(e.credits).toEqual({ required: 200, available: 50 });
    expect(e.message).toMatch(/200 required, 50 available/);
    expect(e.projectId).toBe(p.id);
    expect(approveCharges(p.id)).toHaveLength(0);
    expect(count('POST', new RegExp(`/${p.id}/approve$`))).toBe(1);
  });

  it('404: says which project, scene or person', async () => {
    const c = client();
    const p = await proposed(c);
    const e1 = await failure(c.getProject(987654));
    expect(e1.kind).toBe('not_found');
    expect(e1.message).toMatch(/Project 987654 was not found/);
    expect(e1.projectId).toBe(987654);
    const e2 = await failure(c.updateScene(p.id, 999999, { description: 'x' }));
    expect(e2.kind).toBe('not_found');
    expect(e2.message).toMatch(new RegExp(`Scene id 999999 was not found in project ${p.id}`));
    expect(e2.sceneRef).toEqual({ sceneId: 999999 });
    const e3 = await failure(c.regenerateScene(p.id, 9, {}));
    expect(e3.message).toMatch(new RegExp(`Scene 9 was not found in project ${p.id}`));
    const e4 = await failure(c.createStory({ person_id: 77, story_idea: IDEA }));
    expect(e4.message).toMatch(/Person 77 was not found/);
    expect(e4.personId).toBe(77);
    const e5 = await failure(c.updateScene(987654, 1, { description: 'x' }));
    expect(e5.message).toMatch(/Project 987654 was not found/);
  });

  it('wrong state on approve, update, regenerate and upscale', async () => {
    const c = client();
    const p = await proposed(c);
    const up = await failure(c.upscale(p.id));
    expect(up.kind).toBe('wrong_state');
    expect(up.message).toMatch(/status: proposed/);
    await c.approveProject(p.id, { confirm_credits: true });
    const again = await failure(c.approveProject(p.id, { confirm_credits: true }));
    expect(again.kind).toBe('wrong_state');
    expect(again.message).toMatch(
      new RegExp(`Project ${p.id} is not ready for approval \\(status: generating\\)`),
    );
    expect(again.hint).toMatch(/get_status/);
    const sceneId = (await c.getProject(p.id)).scenes![0]!.id!;
    const edit = await failure(c.updateScene(p.id, sceneId, { description: 'late' }));
    expect(edit.message).toMatch(/can no longer be edited \(status: generating\)/);
    expect(edit.kind).toBe('wrong_state');
    const regen = await failure(c.regenerateScene(p.id, 1, {}));
    expect(regen.kind).toBe('wrong_state');
    expect(regen.message).toMatch(/status: generating/);
    expect(approveCharges(p.id)).toHaveLength(1);
    expect(regenCharges(p.id)).toHaveLength(0);
  });
});

describe('retries', () => {
  it('GET honours Retry-After on 429 and succeeds', async () => {
    const c = client();
    const p = await proposed(c);
    const before = count('GET', /\/scene-projects\/\d+$/);
    sb.injectFault({
      method: 'GET',
      path: /\/scene-projects\/\d+$/,
      count: 2,
      fault: { kind: 'status', status: 429, retryAfterSeconds: 3 },
    });
    const got = await c.getProject(p.id);
    expect(got.id).toBe(p.id);
    expect(delays).toHaveLength(2);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(3000);
    expect(count('GET', /\/scene-projects\/\d+$/) - before).toBe(3);
  });

  it('GET stops when Retry-After exceeds the budget: rate_limited with retryAfterSeconds', async () => {
    const c = client();
    sb.injectFault({
      method: 'GET',
      count: 1,
      fault: { kind: 'status', status: 429, retryAfterSeconds: 120 },
    });
    const before = sb.requests().length;
    const e = await failure(c.listProjects());
    expect(e.kind).toBe('rate_limited');
    expect(e.retryAfterSeconds).toBe(120);
    expect(e.message).toMatch(/in 120 s/);
    expect(delays).toEqual([]);
    expect(sb.requests().length - before).toBe(1);
  });

  it('GET on 5xx: full-jitter backoff, bounded by maxAttempts', async () => {
    const c = client();
    sb.injectFault({ method: 'GET', fault: { kind: 'status', status: 503 } });
    const before = sb.requests().length;
    const e = await failure(c.listProjects());
    expect(e.kind).toBe('unavailable');
    expect(e.status).toBe(503);
    expect(e.message).toMatch(/after 4 attempts/);
    expect(sb.requests().length - before).toBe(4);
    expect(delays).toEqual([125, 250, 500]); // 0.5 × min(8000, 250 × 2^n)
  });

  it('GET on 5xx: bounded by maxTotalMs', async () => {
    const c = client({ random: () => 1, retry: { maxTotalMs: 700, maxAttempts: 10 } });
    sb.injectFault({ method: 'GET', fault: { kind: 'status', status: 502 } });
    const before = sb.requests().length;
    await failure(c.listProjects());
    expect(delays).toEqual([250]); // 250 + 500 would pass 700
    expect(sb.requests().length - before).toBe(2);
  });

  it('500 is not retried', async () => {
    const c = client();
    sb.injectFault({ method: 'GET', count: 1, fault: { kind: 'status', status: 500, body: 'oops' } });
    const before = sb.requests().length;
    const e = await failure(c.listProjects());
    expect(e.kind).toBe('unavailable');
    expect(sb.requests().length - before).toBe(1);
  });

  it('GET after a reset or a hang is retried', async () => {
    const c = client();
    const p = await proposed(c);
    sb.injectFault({ method: 'GET', count: 1, fault: { kind: 'reset', when: 'before' } });
    expect((await c.getProject(p.id)).id).toBe(p.id);
    expect(delays).toHaveLength(1);
    sb.injectFault({ method: 'GET', count: 1, fault: { kind: 'hang', when: 'after' } });
    expect((await c.getStatus(p.id)).id).toBe(p.id);
    expect(delays).toHaveLength(2);
  });

  it('PUT is retried on 502 and reset', async () => {
    const c = client();
    const p = await proposed(c);
    const sceneId = (await c.getProject(p.id)).scenes![1]!.id!;
    sb.injectFault({ method: 'PUT', count: 1, fault: { kind: 'status', status: 502 } });
    sb.injectFault({ method: 'PUT', count: 1, fault: { kind: 'reset', when: 'after' } });
    const s = await c.updateScene(p.id, sceneId, { image_prompt: 'foggy harbour' });
    expect(s.image_prompt).toBe('foggy harbour');
    expect(count('PUT', /scenes\/\d+$/)).toBeGreaterThanOrEqual(3);
    expect(delays).toHaveLength(2);
  });

  it('POST is not retried on 503 or 429, and says nothing was done', async () => {
    const c = client();
    const p = await proposed(c);
    const creates = count('POST', /stories\/create$/);
    sb.injectFault({ method: 'POST', count: 1, fault: { kind: 'status', status: 503 } });
    const e1 = await failure(c.createStory({ person_id: 1, story_idea: IDEA }));
    expect(e1.kind).toBe('unavailable');
    expect(e1.message).toMatch(/Nothing was done/);
    expect(count('POST', /stories\/create$/) - creates).toBe(1);

    sb.injectFault({
      method: 'POST',
      count: 1,
      fault: { kind: 'status', status: 429, retryAfterSeconds: 7 },
    });
    const e2 = await failure(c.approveProject(p.id, { confirm_credits: true }));
    expect(e2.kind).toBe('rate_limited');
    expect(e2.retryAfterSeconds).toBe(7);
    expect(e2.message).toMatch(/Nothing was done.*in 7 s/);
    expect(count('POST', /approve$/)).toBeGreaterThanOrEqual(1);
    expect(approveCharges(p.id)).toHaveLength(0);
    expect(delays).toEqual([]);
  });

  it('create_story is not retried after a lost answer; it points to list_projects', async () => {
    const c = client();
    const mine = async () => (await c.listProjects()).length;
    const n = await mine();
    const creates = count('POST', /stories\/create$/);
    sb.injectFault({ method: 'POST', count: 1, fault: { kind: 'reset', when: 'after' } });
    const e = await failure(c.createStory({ person_id: 1, story_idea: IDEA }));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/list_projects/);
    expect(count('POST', /stories\/create$/) - creates).toBe(1);
    expect(await mine()).toBe(n + 1); // created exactly once
  });

  it('POST is retried when the connection was refused (never reached the server)', async () => {
    const port = await closedPort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}/api/v1` });
    const e = await failure(c.approveProject(1, { confirm_credits: true }));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/connection was refused after 4 attempts/);
    expect(e.message).toMatch(/Nothing was sent/);
    // The project is read first (a read, retried as such), then the POST is tried four times.
    expect(delays).toEqual([125, 250, 500, 125, 250, 500]);
  });

  it('an unreachable host is reported without the token', async () => {
    const c = client({ baseUrl: 'http://nonexistent-host.invalid/api/v1', retry: { maxAttempts: 2 } });
    const e = await failure(c.getStatus(3));
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/could not be resolved|unreachable|refused/);
    expect(inspect(e, { depth: 10 })).not.toContain(TOKEN);
  });
});

describe('spending POSTs after a lost answer', () => {
  it('approve, reset after handling: reconciled as spent, exactly one charge', async () => {
    const c = client();
    const p = await proposed(c);
    sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'reset', when: 'after' } });
    const r = await c.approveProject(p.id, { confirm_credits: true });
    expect(r.reconciled?.spent).toBe(true);
    expect(r.reconciled?.evidence).toMatch(/left 'proposed'/);
    expect(r.status).toBe('generating');
    expect(approveCharges(p.id)).toHaveLength(1);
    expect(count('POST', new RegExp(`/${p.id}/approve$`))).toBe(1);
  });

  it('approve, hang after handling: the timeout fires, reconciled as spent, one charge', async () => {
    const c = client({ timeouts: { headersMs: 150 } });
    const p = await proposed(c);
    sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'hang', when: 'after' } });
    const r = await c.approveProject(p.id, { confirm_credits: true });
    expect(r.reconciled).toEqual({ spent: true, evidence: expect.any(String) });
    expect(approveCharges(p.id)).toHaveLength(1);
  });

  it('approve, reset before handling: never claimed "not charged" (unknown), nothing charged, can be repeated', async () => {
    const c = client();
    const p = await proposed(c);
    const spent = sb.ledger().spent;
    sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'reset', when: 'before' } });
    const e = await failure(c.approveProject(p.id, { confirm_credits: true }));
    // The request was sent: a read-back that shows nothing yet is no proof (the service may be slow).
    expect(e.kind).toBe('spend_unknown');
    expect(e.message).toMatch(/does not show it yet/);
    expect(e.message).not.toMatch(/Nothing was charged/);
    expect(sb.ledger().spent).toBe(spent);
    expect((await c.getProject(p.id)).status).toBe('proposed');
    await c.approveProject(p.id, { confirm_credits: true });
    expect(approveCharges(p.id)).toHaveLength(1);
  });

  it.each([500, 502, 503, 504])(
    'approve: an HTTP %i is checked against the project, not assumed',
    async (status) => {
      const c = client();
      const p = await proposed(c);
      sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'status', status } });
      const e = await failure(c.approveProject(p.id, { confirm_credits: true }));
      expect(e.kind).toBe('spend_unknown');
      expect(e.message).not.toMatch(/Nothing was (charged|done)/);
      expect(approveCharges(p.id)).toHaveLength(0);
    },
  );

  it('approve: when the read-back fails too, spend_unknown', async () => {
    const c = client();
    const p = await proposed(c);
    sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'reset', when: 'after' } });
    sb.injectFault({ method: 'GET', fault: { kind: 'status', status: 503 } });
    const e = await failure(c.approveProject(p.id, { confirm_credits: true }));
    expect(e.kind).toBe('spend_unknown');
    expect(e.message).toMatch(/could not tell whether credits were charged/);
    expect(e.message).toMatch(/do not approve again blindly/);
    expect(e.hint).toMatch(/get_status/);
    sb.clearFaults();
    expect(approveCharges(p.id)).toHaveLength(1);
    // Following the advice: get_status shows it happened; approving again is refused, not charged.
    expect((await c.getStatus(p.id)).status).toBe('generating');
    expect((await failure(c.approveProject(p.id, { confirm_credits: true }))).kind).toBe('wrong_state');
    expect(approveCharges(p.id)).toHaveLength(1);
  });

  it('regenerate, reset or hang after handling: reconciled as spent, one charge each', async () => {
    const c = client({ timeouts: { headersMs: 150 } });
    const p = await completed(c);
    sb.injectFault({
      method: 'POST',
      path: /regenerate$/,
      count: 1,
      fault: { kind: 'reset', when: 'after' },
    });
    const r = await c.regenerateScene(p.id, 1, { regenerate_video: false });
    expect(r.reconciled?.spent).toBe(true);
    expect(regenCharges(p.id)).toHaveLength(1);
    expect(regenCharges(p.id)[0]!.credits).toBe(10);

    advance(30 * 60_000);
    expect((await c.getStatus(p.id)).status).toBe('completed');
    advance(60_000);
    sb.injectFault({ method: 'POST', path: /regenerate$/, count: 1, fault: { kind: 'hang', when: 'after' } });
    const r2 = await c.regenerateScene(p.id, 2, {});
    expect(r2.reconciled?.spent).toBe(true);
    expect(regenCharges(p.id)).toHaveLength(2);
    expect(count('POST', /regenerate$/)).toBeGreaterThanOrEqual(2);
  });

  it('regenerate, reset before handling: unknown (never "not charged"), ledger unchanged', async () => {
    const c = client();
    const p = await completed(c);
    const spent = sb.ledger().spent;
    sb.injectFault({
      method: 'POST',
      path: /regenerate$/,
      count: 1,
      fault: { kind: 'reset', when: 'before' },
    });
    const e = await failure(c.regenerateScene(p.id, 1, {}));
    expect(e.kind).toBe('spend_unknown');
    expect(e.message).not.toMatch(/Nothing was charged/);
    expect(sb.ledger().spent).toBe(spent);
    expect(regenCharges(p.id)).toHaveLength(0);
  });

  it('regenerate: a job that finished before the read-back still counts as spent (updated_at)', async () => {
    const p = await completed(client());
    // The client logs "answer lost" just before reading back: let the regeneration finish meanwhile.
    const c = client({
      logger: {
        ...logger,
        warn: (m: string) => {
          if (/answer lost/.test(m)) advance(30 * 60_000);
        },
      },
    });
    sb.injectFault({
      method: 'POST',
      path: /regenerate$/,
      count: 1,
      fault: { kind: 'reset', when: 'after' },
    });
    const r = await c.regenerateScene(p.id, 1, {});
    expect(r.status).toBe('completed');
    expect(r.reconciled?.spent).toBe(true);
    expect(r.reconciled?.evidence).toMatch(/updated at/);
    expect(regenCharges(p.id)).toHaveLength(1);
  });

  it('upscale, reset after handling: reconciled (it started)', async () => {
    const c = client();
    const p = await completed(c);
    sb.injectFault({ method: 'POST', path: /upscale$/, count: 1, fault: { kind: 'reset', when: 'after' } });
    const r = (await c.upscale(p.id)) as { status: string; reconciled?: { spent: boolean } };
    expect(r.status).toBe('upscaling');
    expect(r.reconciled?.spent).toBe(true);
    expect(count('POST', new RegExp(`/${p.id}/upscale$`))).toBe(1);
  });
});

describe('coalesced reads', () => {
  it('concurrent identical reads share one upstream request', async () => {
    const c = client();
    const p = await proposed(c);
    const before = count('GET', new RegExp(`/scene-projects/${p.id}/status$`));
    const all = await Promise.all(Array.from({ length: 20 }, () => c.getStatus(p.id)));
    expect(all.every((s) => s.status === 'proposed')).toBe(true);
    expect(count('GET', new RegExp(`/scene-projects/${p.id}/status$`)) - before).toBe(1);
  });

  it('a read after a write never reuses a read that began before it', async () => {
    const c = client();
    const p = await proposed(c);
    // A slow read in flight while the approval is sent and answered.
    sb.injectFault({ method: 'GET', path: /\/status$/, count: 1, fault: { kind: 'latency', ms: 300 } });
    const statusReads = () => count('GET', new RegExp(`/scene-projects/${p.id}/status$`));
    const before = statusReads();
    const early = c.getStatus(p.id);
    await c.approveProject(p.id, { confirm_credits: true });
    const after = await c.getStatus(p.id);
    await early;
    expect(after.status).toBe('generating');
    // Its own request, not the one still in flight from before the approval.
    expect(statusReads() - before).toBe(2);
  });

  it('keeps nothing per project once reads and writes end (thousands of projects, no growth)', async () => {
    const reads = new ReadCoalescer();
    for (let id = 1; id <= 1000; id++) {
      reads.bump(id);
      await reads.run(
        `/p/${id}`,
        id,
        undefined,
        async () => id,
        () => new Error('aborted'),
      );
      reads.bump(id);
    }
    const maps = Object.values(reads).filter((v): v is Map<unknown, unknown> => v instanceof Map);
    expect(maps.length).toBeGreaterThan(0);
    expect(maps.map((m) => m.size)).toEqual(maps.map(() => 0));
  });

  it('one caller cancelling does not cancel the others', async () => {
    const c = client();
    const p = await proposed(c);
    sb.injectFault({ method: 'GET', path: /\/status$/, count: 1, fault: { kind: 'latency', ms: 200 } });
    const ac = new AbortController();
    const cancelled = c.getStatus(p.id, { signal: ac.signal });
    const kept = c.getStatus(p.id);
    ac.abort();
    expect((await failure(cancelled)).aborted).toBe(true);
    expect((await kept).status).toBe('proposed');
  });
});

describe('the token never leaks', () => {
  it('redact scrubs the token, Bearer values and authorization headers', () => {
    expect(redact(`x ${TOKEN} y`, TOKEN)).toBe('x [redacted] y');
    expect(redact('Authorization: Bearer abc.def-ghi', undefined)).toBe('Authorization: Bearer [redacted]');
    expect(redact('{"authorization":"zzz"}')).toBe('{"authorization":"[redacted]"}');
    expect(redact('headers: { authorization: secret123 }')).not.toContain('secret123');
    expect(redact('bearer qwerty')).toBe('bearer [redacted]');
    expect(sanitize(`a\u0000b\u001b[0m ${'z'.repeat(500)}`, TOKEN).length).toBeLessThanOrEqual(300);
  });

  it('no error or log line carries the token, including undici failures', async () => {
    const errors: ApiError[] = [];
    const c = client({ timeouts: { headersMs: 100 }, retry: { maxAttempts: 2 } });
    const p = await proposed(c);
    // Upstream echoes the token back in its detail.
    sb.injectFault({
      method: 'GET',
      count: 1,
      fault: {
        kind: 'status',
        status: 400,
        body: { detail: `bad header Authorization: Bearer ${TOKEN} (${TOKEN})` },
      },
    });
    errors.push(await failure(c.getProject(p.id)));
    sb.injectFault({ method: 'GET', fault: { kind: 'hang', when: 'before' } });
    errors.push(await failure(c.getProject(p.id)));
    sb.clearFaults();
    sb.injectFault({ method: 'GET', fault: { kind: 'reset', when: 'before' } });
    errors.push(await failure(c.getProject(p.id)));
    sb.injectFault({ method: 'POST', count: 1, fault: { kind: 'reset', when: 'after' } });
    errors.push(await failure(c.approveProject(p.id, { confirm_credits: true })));
    sb.clearFaults();
    const port = await closedPort();
    errors.push(await failure(client({ baseUrl: `http://127.0.0.1:${port}/api/v1` }).listProjects()));
    errors.push(await failure(client({ token: `${TOKEN}\nX-Evil: 1` }).listProjects()));
    sb.injectFault({
      method: 'GET',
      count: 1,
      fault: { kind: 'status', status: 503, body: { detail: TOKEN } },
    });
    errors.push(await failure(client({ retry: { maxAttempts: 1 } }).listProjects()));

    expect(errors.map((e) => e.kind)).toEqual([
      'validation',
      'unavailable',
      'unavailable',
      'spend_unknown',
      'unavailable',
      'not_configured',
      'unavailable',
    ]);
    for (const e of errors) {
      for (const text of [
        e.message,
        e.hint,
        e.stack ?? '',
        JSON.stringify(e),
        inspect(e, { depth: 10 }),
        String(e),
      ]) {
        expect(text).not.toContain(TOKEN);
      }
    }
    expect(errors[0]!.message).toContain('[redacted]');
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(TOKEN);
  });
});

describe('cancellation', () => {
  it('an already-aborted signal sends nothing', async () => {
    const c = client();
    const before = sb.requests().length;
    const e = await failure(c.getProject(1, { signal: AbortSignal.abort() }));
    expect(e.aborted).toBe(true);
    expect(sb.requests().length).toBe(before);
  });

  it('an already-aborted read starts no shared request, so its failure cannot go unhandled', async () => {
    const c = client();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const e = await failure(c.getStatus(987_654, { signal: AbortSignal.abort() }));
      expect(e.aborted).toBe(true);
      // close() lets requests in flight finish: a read the aborted call began would land (a 404) here.
      await c.close();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(count('GET', /\/scene-projects\/987654\/status$/)).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('aborting a hung GET rejects promptly, with no retry', async () => {
    const c = client({ timeouts: { headersMs: 10_000 } });
    const hangs = () => sb.requests().filter((r) => r.fault === 'hang').length;
    const hungBefore = hangs();
    sb.injectFault({ method: 'GET', fault: { kind: 'hang', when: 'before' } });
    const ac = new AbortController();
    const started = Date.now();
    const call = failure(c.listProjects(undefined, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    const e = await call;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.aborted).toBe(true);
    expect(delays).toEqual([]);
    // Under CPU load the aborted request can reach the sandbox only now: wait for it here, or the
    // next test would count it as its own.
    for (let i = 0; i < 500 && hangs() === hungBefore; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('aborting during a retry wait stops the retries', async () => {
    const ac = new AbortController();
    const c = client({
      sleep: (ms, signal) => {
        delays.push(ms);
        ac.abort();
        return Promise.reject(signal?.reason);
      },
    });
    // A path of its own: a request of an earlier test that reaches the sandbox late is not counted.
    sb.injectFault({ method: 'GET', path: /\/424242$/, fault: { kind: 'status', status: 503 } });
    const e = await failure(c.getProject(424242, { signal: ac.signal }));
    expect(e.aborted).toBe(true);
    expect(delays).toHaveLength(1);
    expect(count('GET', /\/scene-projects\/424242$/)).toBe(1);
  });

  it('aborting an approve in flight: spend_unknown, never a blind retry', async () => {
    const c = client({ timeouts: { headersMs: 10_000 } });
    const p = await proposed(c);
    sb.injectFault({ method: 'POST', path: /approve$/, count: 1, fault: { kind: 'hang', when: 'after' } });
    const ac = new AbortController();
    const call = failure(c.approveProject(p.id, { confirm_credits: true }, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 100);
    const e = await call;
    expect(e.kind).toBe('spend_unknown');
    expect(e.aborted).toBe(true);
    expect(approveCharges(p.id)).toHaveLength(1);
  });

  it('close() closes the pool; later calls fail', async () => {
    const c = client();
    await c.listProjects();
    await c.close();
    const e = await failure(c.listProjects());
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/closed/);
  });
});

describe('helpers', () => {
  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(new Date(T0 + 12_000).toUTCString(), T0)).toBe(12_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('reads credit figures in several wordings', () => {
    expect(parseCredits('Insufficient credits: 500 required, 320 available')).toEqual({
      required: 500,
      available: 320,
    });
    expect(parseCredits('Not enough credits (required: 1,200, balance: 80)')).toEqual({
      required: 1200,
      available: 80,
    });
    expect(parseCredits('Insufficient credits')).toBeUndefined();
  });

  it('tells state refusals from input refusals', () => {
    const ctx = { op: 'approve', method: 'POST', path: '/scene-projects/4/approve', projectId: 4 } as const;
    const body = (detail: unknown) => JSON.stringify({ detail });
    expect(httpError(ctx, 400, body('Project not in proposed state'), TOKEN).kind).toBe('wrong_state');
    expect(httpError(ctx, 400, body('Project must be completed first'), TOKEN).kind).toBe('wrong_state');
    expect(httpError(ctx, 400, body('confirm_credits must be true'), TOKEN).kind).toBe('validation');
    expect(httpError(ctx, 409, body('conflict'), TOKEN).kind).toBe('wrong_state');
    const list = httpError(ctx, 422, body([{ loc: ['body', 'video_model'], msg: 'unknown model' }]), TOKEN);
    expect(list.kind).toBe('validation');
    expect(list.fields).toEqual([{ field: 'video_model', message: 'unknown model' }]);
    const get = { op: 'get_project', method: 'GET', path: '/scene-projects/4', projectId: 4 } as const;
    expect(httpError(get, 400, body('Project not in proposed state'), TOKEN).kind).toBe('validation');
    const long = httpError(get, 400, body('x'.repeat(5000)), TOKEN);
    expect(long.message.length).toBeLessThan(500);
  });
});

/** A local port with nothing listening. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
