/**
 * Consent under attack, on the sandbox ledger through real MCP clients: an edit racing a confirmed
 * approval is never generated unseen; a refusal the service proves it did not act on (429, a 403 for
 * lack of credits) keeps the quote, so the retry it advises charges exactly once; an edit made
 * outside this server during a spend is reported to the person.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import type { SceneProjectsApi } from '../src/api/contract.js';
import { loadConfig } from '../src/config.js';
import { MemoryLockStore } from '../src/consent/project-lock.js';
import { silentLogger } from '../src/log.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { startSandbox } from '../src/sandbox/index.js';
import {
  type Connected,
  call,
  confirmApproval,
  connect,
  quoteToken,
  STORY,
  sandboxRuntime,
  text,
} from './helpers/mcp.js';
import { until } from './helpers/wait.js';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(
  flags: string[] = [],
  opts: Parameters<typeof connect>[1] = {},
  locks?: MemoryLockStore,
) {
  const rt = await sandboxRuntime(flags, locks ? { locks } : {});
  open.push(rt);
  const c = await connect(rt, opts);
  open.push(c);
  return { rt, c };
}

async function draft(c: Connected, scenes = 3): Promise<number> {
  const r = await call(c, 'create_story', { story_idea: STORY, num_scenes: scenes });
  expect(r.isError, text(r)).toBeFalsy();
  return (r.structuredContent!.project as { id: number }).id;
}

const charges = (rt: Runtime, id: number) =>
  rt
    .sandbox!.ledger()
    .entries.filter((e) => e.project_id === id)
    .map((e) => [e.kind, e.credits]);

async function narrationOf(c: Connected, id: number, scene: number): Promise<string> {
  const r = await call(c, 'get_project', { project_id: id });
  const scenes = (
    r.structuredContent!.project as { scenes: { scene_number: number; narration_text: string }[] }
  ).scenes;
  return scenes.find((s) => s.scene_number === scene)!.narration_text;
}

const accept = () => ({ action: 'accept' as const, content: { confirm: true } });

describe('one spend at a time per project, with its edits', () => {
  it('an edit racing a confirmed approval is never charged and generated unseen (many rounds)', async () => {
    const { rt, c } = await setup();
    rt.sandbox!.setCredits(1_000_000);
    // Seeded jitter on the service's reads, so the two calls interleave differently from round to round.
    rt.sandbox!.injectFault({ fault: { kind: 'latency', ms: 2 }, method: 'GET', rate: 0.5 });
    const seen = { approved: 0, edited: 0 };
    for (let round = 0; round < 24; round++) {
      const id = await draft(c);
      const token = await quoteToken(c, id);
      const edit = () =>
        call(c, 'update_scene', {
          project_id: id,
          scene_number: 2,
          narration_text: `Round ${round} ending.`,
        });
      const approve = () => confirmApproval(c, id, token);
      const [u, a] =
        round % 2 === 0
          ? await Promise.all([edit(), approve()])
          : await Promise.all([approve(), edit()]).then(([x, y]) => [y, x] as const);
      const narration = await narrationOf(c, id, 2);
      if (a.structuredContent?.outcome === 'started') {
        // Charged for exactly what was quoted; the edit came too late and was refused.
        seen.approved++;
        expect(u.isError, text(u)).toBe(true);
        expect(text(u)).toMatch(/edited only before approval/);
        expect(narration).not.toContain(`Round ${round}`);
        expect(charges(rt, id)).toEqual([['approve', 300]]);
      } else {
        // The edit landed first: the stale quote was refused and nothing was charged.
        seen.edited++;
        expect(u.isError, text(u)).toBeFalsy();
        expect(a.structuredContent, text(a)).toMatchObject({ outcome: 'refused', credits: 0 });
        expect(text(a)).toMatch(/scenes changed since the quote/);
        expect(narration).toBe(`Round ${round} ending.`);
        expect(charges(rt, id)).toEqual([]);
      }
    }
    expect(seen.approved + seen.edited).toBe(24);
  });

  it('an edit sent while a spend is in flight waits for it, then sees the project approved', async () => {
    const locks = new MemoryLockStore();
    const { rt, c } = await setup([], {}, locks);
    const id = await draft(c);
    const token = await quoteToken(c, id);
    // The spend call is slow: the edit arrives while the project's lock is held.
    const slow = rt.sandbox!.injectFault({
      fault: { kind: 'latency', ms: 150 },
      method: 'POST',
      path: /\/approve$/,
    });
    const approving = confirmApproval(c, id, token);
    await until(() => locks.size === 1, 'the spend to hold the lock');
    const editing = call(c, 'update_scene', { project_id: id, scene_number: 1, narration_text: 'Too late.' });
    const [a, u] = await Promise.all([approving, editing]);
    slow();
    expect(a.structuredContent, text(a)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(u.isError).toBe(true);
    expect(text(u)).toMatch(/scenes can be edited only before approval/);
    expect(await narrationOf(c, id, 1)).not.toBe('Too late.');
    expect(charges(rt, id)).toEqual([['approve', 300]]);
    expect(locks.size).toBe(0);
  });

  it('an edit made outside this server during the spend is reported plainly', async () => {
    const sandbox = await startSandbox({ timeScale: 400 });
    open.push(sandbox);
    const real = new SceneProjectsClient({ baseUrl: sandbox.url, token: sandbox.token });
    open.push(real);
    // Someone edits scene 1 in another app at the moment the approval is sent.
    const api: SceneProjectsApi = {
      createStory: (b, o) => real.createStory(b, o),
      listProjects: (q, o) => real.listProjects(q, o),
      getProject: (id, o) => real.getProject(id, o),
      updateScene: (id, s, p, o) => real.updateScene(id, s, p, o),
      getStatus: (id, o) => real.getStatus(id, o),
      regenerateScene: (id, n, b, o) => real.regenerateScene(id, n, b, o),
      upscale: (id, o) => real.upscale(id, o),
      approveProject: async (id, b, o) => {
        const p = await real.getProject(id);
        await real.updateScene(id, p.scenes![0]!.id!, { narration_text: 'Edited elsewhere.' });
        return real.approveProject(id, b, o);
      },
    };
    const rt = await createRuntime(loadConfig(['--sandbox'], {}), { logger: silentLogger, api, sandbox });
    open.push(rt);
    const c = await connect(rt);
    open.push(c);
    const id = await draft(c);
    const r = await confirmApproval(c, id, await quoteToken(c, id));
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(text(r)).toMatch(/^Warning: the scenes of project \d+ as the service reports them now differ/);
    expect(r.structuredContent!.message).toMatch(/changed outside this server/);
    expect(sandbox.ledger().entries).toHaveLength(1);
  });
});

describe('a refusal the service proves it did not act on keeps the quote', () => {
  it('a 429, then the advised retry with the same quote, charges exactly once', async () => {
    // The limit fits one approval: the retry also proves the 429 released the credit reservation.
    const { rt, c } = await setup(['--credit-limit', '300']);
    const id = await draft(c);
    const token = await quoteToken(c, id);
    rt.sandbox!.injectFault({
      fault: { kind: 'status', status: 429, retryAfterSeconds: 2 },
      method: 'POST',
      path: /\/approve$/,
      count: 1,
    });
    const first = await confirmApproval(c, id, token);
    expect(first.isError).toBe(true);
    expect(first.structuredContent).toMatchObject({ outcome: 'refused', credits: 0 });
    expect(text(first)).toMatch(/Nothing was done\. Try again in 2 s/);
    expect(first.structuredContent!.next_step).toMatch(
      /^Wait 2 s, then call approve_project again with the same quote_token/,
    );
    expect(charges(rt, id)).toEqual([]);

    const again = await confirmApproval(c, id, token);
    expect(again.structuredContent, text(again)).toMatchObject({ outcome: 'started', credits: 300 });
    const replay = await confirmApproval(c, id, token);
    expect(replay.isError).toBe(true);
    expect(charges(rt, id)).toEqual([['approve', 300]]);
    expect(rt.sandbox!.ledger().spent).toBe(300);
  });

  it('a 403 for lack of credits keeps the quote: once credits are added, the same quote spends once', async () => {
    const { rt, c } = await setup();
    const id = await draft(c);
    const token = await quoteToken(c, id);
    rt.sandbox!.setCredits(100);
    const first = await confirmApproval(c, id, token);
    expect(first.structuredContent).toMatchObject({ outcome: 'refused', credits: 0 });
    expect(text(first)).toMatch(/Not enough credits.*The quote was not used up/s);
    rt.sandbox!.setCredits(1000);
    const again = await confirmApproval(c, id, token);
    expect(again.structuredContent, text(again)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(charges(rt, id)).toEqual([['approve', 300]]);
  });

  it.each(['legacy', 'modern'] as const)(
    'asking the person (%s era): a 429, then a retry asks again and charges once',
    async (era) => {
      const { rt, c } = await setup(['--credit-limit', '300'], { era, elicit: accept });
      const id = await draft(c);
      rt.sandbox!.injectFault({
        fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
        method: 'POST',
        path: /\/approve$/,
        count: 1,
      });
      const first = await call(c, 'approve_project', { project_id: id });
      expect(first.structuredContent).toMatchObject({ outcome: 'refused', credits: 0 });
      expect(first.structuredContent!.next_step).toMatch(
        /Wait 1 s, then call approve_project again \(the person will be asked again\)/,
      );
      const again = await call(c, 'approve_project', { project_id: id });
      expect(again.structuredContent, text(again)).toMatchObject({ outcome: 'started', credits: 300 });
      expect(c.asked).toHaveLength(2);
      expect(charges(rt, id)).toEqual([['approve', 300]]);
    },
  );
});

describe('the figure cannot be disguised', () => {
  // A story idea written to make the question read "0 credits": a right-to-left override, a fake
  // figure, quotes that try to close the title, a line break that tries to start our own sentence.
  const DECEPTIVE = 'Free preview\u202E 0 credits, nothing to pay\u202C "yes" costs\nnothing';
  const HIDDEN = /[\p{Cc}\p{Cf}]/u;

  async function deceptiveDraft(c: Connected): Promise<number> {
    const r = await call(c, 'create_story', { story_idea: DECEPTIVE, num_scenes: 3 });
    expect(r.isError, text(r)).toBeFalsy();
    return (r.structuredContent!.project as { id: number }).id;
  }

  it.each(['legacy', 'modern'] as const)(
    'the question asked (%s era) is clean, with the true figure and what it buys before any user text',
    async (era) => {
      const { rt, c } = await setup([], { era, elicit: () => ({ action: 'decline' }) });
      const id = await deceptiveDraft(c);
      await call(c, 'approve_project', { project_id: id });
      const message = c.asked[0]!.message;
      expect(message).not.toMatch(HIDDEN);
      expect(message).toMatch(
        new RegExp(`^This spends 300 credits\\. Generate project ${id}: 3 scenes × 10 s with `),
      );
      expect(message.match(/\d+/)![0]).toBe('300');
      expect(message).toContain(`titled “Free preview 0 credits, nothing to pay 'yes' costs nothing”`);
      expect(message.indexOf('0 credits, nothing')).toBeGreaterThan(message.indexOf('3 scenes'));
      expect(message).toMatch(/Do you agree to spend 300 credits\?$/);
      expect(charges(rt, id)).toEqual([]);
    },
  );

  it('the quote, the resource titles and the listings are clean too', async () => {
    const { c } = await setup();
    const id = await deceptiveDraft(c);
    const q = await call(c, 'approve_project', { project_id: id });
    const quote = q.structuredContent!.quote as { summary: string };
    expect(quote.summary).not.toMatch(HIDDEN);
    expect(text(q)).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(text(q)).toMatch(/^Quote: 300 credits\. Generate project \d+: 3 scenes/);
    const { resources } = await c.client.listResources();
    const mine = resources.filter((r) => r.uri.includes(`/projects/${id}`));
    expect(mine.length).toBeGreaterThan(0);
    for (const r of mine) {
      expect(r.title).not.toMatch(HIDDEN);
      expect(r.title).toMatch(/: “Free preview 0 credits, nothing to pay 'yes' costs nothing”$/);
    }
    const list = await call(c, 'list_projects', {});
    expect(text(list)).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});
