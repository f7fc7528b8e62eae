/**
 * No path spends without the person's consent: every refusal is proven on the sandbox ledger,
 * through real MCP clients of both protocol generations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../src/runtime.js';
import {
  type Connected,
  call,
  confirmApproval,
  connect,
  type ElicitRecord,
  quoteToken,
  STORY,
  sandboxRuntime,
  text,
} from './helpers/mcp.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(flags: string[] = [], opts: Parameters<typeof connect>[1] = {}, clock?: () => number) {
  const rt = await sandboxRuntime(flags, clock ? { clock } : {});
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

const spent = (rt: Runtime) => rt.sandbox!.ledger().entries;

async function waitCompleted(c: Connected, id: number) {
  for (let i = 0; i < 200; i++) {
    const r = await call(c, 'get_status', { project_id: id, wait_seconds: 5 });
    if ((r.structuredContent!.status as { status: string }).status === 'completed') return;
  }
  throw new Error('project never completed');
}

const accept = () => ({ action: 'accept' as const, content: { confirm: true } });

describe.each(['legacy', 'modern'] as const)('consent by elicitation (%s era)', (era) => {
  it('asks the person once with the figure, and spends exactly that after an accept', async () => {
    const { rt, c } = await setup([], { era, elicit: accept });
    const id = await draft(c, 3);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ outcome: 'started', project_id: id, credits: 300 });
    expect(c.asked).toHaveLength(1);
    expect(c.asked[0]!.message).toContain('300 credits');
    expect(spent(rt)).toEqual([expect.objectContaining({ kind: 'approve', project_id: id, credits: 300 })]);
  });

  it.each(['decline', 'cancel'] as const)('spends nothing after a %s, and asks only once', async (action) => {
    const { rt, c } = await setup([], { era, elicit: () => ({ action }) });
    const id = await draft(c);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent).toMatchObject({ outcome: 'declined', credits: 0 });
    expect(c.asked).toHaveLength(1);
    expect(spent(rt)).toEqual([]);
  });

  it('treats an accept with confirm unticked as a decline', async () => {
    const { rt, c } = await setup([], {
      era,
      elicit: () => ({ action: 'accept', content: { confirm: false } }),
    });
    const id = await draft(c);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent).toMatchObject({ outcome: 'declined' });
    expect(spent(rt)).toEqual([]);
  });

  it('does not let the model answer for the person: arguments cannot replace the question', async () => {
    // A quote token obtained elsewhere, handed in as if the person had agreed.
    const { rt, c: quoter } = await setup();
    const id = await draft(quoter);
    const token = await quoteToken(quoter, id);
    const asker = await connect(rt, { era, elicit: () => ({ action: 'decline' }) });
    open.push(asker);
    const r = await call(asker, 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token: token,
      max_credits: 10_000,
    });
    expect(asker.asked).toHaveLength(1);
    expect(r.structuredContent).toMatchObject({ outcome: 'declined' });
    expect(spent(rt)).toEqual([]);
  });
});

describe('consent by arguments (client cannot elicit)', () => {
  it('quotes first and spends nothing', async () => {
    const { rt, c } = await setup();
    const id = await draft(c, 4);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ outcome: 'quote', credits: 400 });
    const quote = r.structuredContent!.quote as { quote_token: string; credits: number };
    expect(quote.quote_token).toMatch(/^sq1\./);
    expect(text(r)).toContain('400 credits');
    expect(text(r)).toContain('confirm_credits: true');
    expect(spent(rt)).toEqual([]);
  });

  it('spends the quoted figure once confirm_credits, the token and max_credits are given', async () => {
    const { rt, c } = await setup();
    const id = await draft(c, 3);
    const token = await quoteToken(c, id);
    const r = await confirmApproval(c, id, token);
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(spent(rt)).toHaveLength(1);
    expect(rt.sandbox!.ledger().spent).toBe(300);
  });

  it.each([
    ['a missing confirm_credits', (t: string) => ({ quote_token: t, max_credits: 300 })],
    ['confirm_credits false', (t: string) => ({ confirm_credits: false, quote_token: t, max_credits: 300 })],
    [
      'max_credits below the figure',
      (t: string) => ({ confirm_credits: true, quote_token: t, max_credits: 299 }),
    ],
    ['a missing max_credits', (t: string) => ({ confirm_credits: true, quote_token: t })],
    [
      'a forged token',
      (t: string) => ({ confirm_credits: true, quote_token: `${t.slice(0, -4)}AAAA`, max_credits: 300 }),
    ],
    ['a garbage token', () => ({ confirm_credits: true, quote_token: 'sq1.nope.nope', max_credits: 300 })],
  ])('refuses %s and spends nothing', async (_what, argsFor) => {
    const { rt, c } = await setup();
    const id = await draft(c, 3);
    const token = await quoteToken(c, id);
    const r = await call(c, 'approve_project', { project_id: id, ...argsFor(token) });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ outcome: 'refused', credits: 0 });
    expect(text(r)).toMatch(/nothing was spent|spent no credits/i);
    expect(spent(rt)).toEqual([]);
  });

  it('refuses confirmation without any quote token (the figure was never shown)', async () => {
    const { rt, c } = await setup();
    const id = await draft(c);
    const r = await call(c, 'approve_project', {
      project_id: id,
      confirm_credits: true,
      max_credits: 100_000,
    });
    // No token: the call only quotes.
    expect(r.structuredContent).toMatchObject({ outcome: 'quote' });
    expect(spent(rt)).toEqual([]);
  });

  it('refuses a token once the scenes changed after the quote', async () => {
    const { rt, c } = await setup();
    const id = await draft(c, 3);
    const token = await quoteToken(c, id);
    const u = await call(c, 'update_scene', {
      project_id: id,
      scene_number: 2,
      narration_text: 'A different ending.',
    });
    expect(u.isError, text(u)).toBeFalsy();
    const r = await confirmApproval(c, id, token);
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(text(r)).toMatch(/scene/i);
    expect(spent(rt)).toEqual([]);
  });

  it('refuses a token for other models than quoted', async () => {
    const { rt, c } = await setup();
    const id = await draft(c, 3);
    const token = await quoteToken(c, id);
    const r = await confirmApproval(c, id, token, { video_model: 'some-pricier-model' });
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(spent(rt)).toEqual([]);
  });

  it('refuses an expired token', async () => {
    let now = Date.now();
    const { rt, c } = await setup([], {}, () => now);
    const id = await draft(c, 3);
    const token = await quoteToken(c, id);
    now += 11 * 60 * 1000;
    const r = await confirmApproval(c, id, token);
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(text(r)).toMatch(/expired/i);
    expect(spent(rt)).toEqual([]);
  });

  it('refuses a reused token: a regeneration is charged once', async () => {
    const { rt, c } = await setup();
    const id = await draft(c, 2);
    const t1 = await quoteToken(c, id);
    await call(c, 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token: t1,
      max_credits: 200,
    });
    await waitCompleted(c, id);
    const rq = await call(c, 'regenerate_scene', { project_id: id, scene_number: 1 });
    expect(rq.structuredContent).toMatchObject({ outcome: 'quote', credits: 100 });
    const t2 = (rq.structuredContent!.quote as { quote_token: string }).quote_token;
    const ok = await call(c, 'regenerate_scene', {
      project_id: id,
      scene_number: 1,
      confirm_credits: true,
      quote_token: t2,
      max_credits: 100,
    });
    expect(ok.structuredContent, text(ok)).toMatchObject({ outcome: 'started', credits: 100 });
    await waitCompleted(c, id);
    const again = await call(c, 'regenerate_scene', {
      project_id: id,
      scene_number: 1,
      confirm_credits: true,
      quote_token: t2,
      max_credits: 100,
    });
    expect(again.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(spent(rt).map((e) => [e.kind, e.credits])).toEqual([
      ['approve', 200],
      ['regenerate', 100],
    ]);
  });

  it('refuses a token quoted for another project', async () => {
    const { rt, c } = await setup();
    const a = await draft(c, 3);
    const b = await draft(c, 3);
    const token = await quoteToken(c, a);
    const r = await confirmApproval(c, b, token);
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(spent(rt)).toEqual([]);
  });
});

describe('limits and modes', () => {
  it('refuses a spend above the server credit limit, before asking anyone', async () => {
    const { rt, c } = await setup(['--credit-limit', '250'], { elicit: accept });
    const id = await draft(c, 3);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(text(r)).toMatch(/limit/i);
    expect(c.asked).toHaveLength(0);
    expect(spent(rt)).toEqual([]);
  });

  it('counts spends against the limit across calls', async () => {
    const { rt, c } = await setup(['--credit-limit', '500'], { elicit: accept });
    const first = await draft(c, 3);
    const second = await draft(c, 3);
    expect((await call(c, 'approve_project', { project_id: first })).structuredContent).toMatchObject({
      outcome: 'started',
    });
    const r = await call(c, 'approve_project', { project_id: second });
    expect(r.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(spent(rt)).toHaveLength(1);
  });

  it('read-only mode offers only reads, and a spending call cannot reach upstream', async () => {
    const { rt, c } = await setup(['--read-only'], { elicit: accept });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_project', 'get_status', 'list_projects']);
    await expect(call(c, 'approve_project', { project_id: 1 })).rejects.toThrow(/approve_project not found/);
    expect(spent(rt)).toEqual([]);
    expect(rt.sandbox!.requests().filter((x) => x.method !== 'GET')).toEqual([]);
  });

  it('an allow-list narrows the tools', async () => {
    const { c } = await setup(['--tools', 'get_status,list_projects']);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_projects', 'get_status']);
  });
});

describe('elicitation question', () => {
  it('shows what the credits buy and asks a yes/no', async () => {
    let seen: ElicitRecord | undefined;
    const { c } = await setup([], {
      elicit: (r) => {
        seen = r;
        return { action: 'decline' };
      },
    });
    const id = await draft(c, 5);
    await call(c, 'approve_project', { project_id: id, video_model: 'kling-2.6-pro' });
    expect(seen?.message).toMatch(/5 scenes/);
    expect(seen?.message).toMatch(/kling-2\.6-pro/);
    expect(seen?.message).toMatch(/500 credits/);
    expect(seen?.requestedSchema).toMatchObject({ properties: { confirm: { type: 'boolean' } } });
  });
});

describe('upstream refusals', () => {
  it('releases the reservation when upstream refuses for lack of credits', async () => {
    const { rt, c } = await setup(['--credit-limit', '300'], { elicit: accept });
    const id = await draft(c, 3);
    rt.sandbox!.setCredits(100);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/credits/i);
    expect(spent(rt)).toEqual([]);
    rt.sandbox!.setCredits(1000);
    const again = await call(c, 'approve_project', { project_id: id });
    expect(again.structuredContent, text(again)).toMatchObject({ outcome: 'started', credits: 300 });
  });
});
