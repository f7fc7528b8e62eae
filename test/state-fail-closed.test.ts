/**
 * A state store that cannot be used refuses spending (nothing spent) while reads go on, and is used
 * again once it works, without a restart. And an unknown spend is settled by a later reading.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTLE_GRACE_MS, SpendSettler } from '../src/consent/settle.js';
import { FileStore } from '../src/store/file.js';
import { MemoryStore } from '../src/store/index.js';
import { call, confirmApproval, connect, quoteToken, STORY, sandboxRuntime, text } from './helpers/mcp.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('a state store that is down', () => {
  it('refuses spending with a clear message, keeps reads working, and recovers without a restart', async () => {
    const base = mkdtempSync(join(tmpdir(), 'fail-closed-'));
    cleanup.push(() => rmSync(base, { recursive: true, force: true }));
    const dir = join(base, 'state');
    const rt = await sandboxRuntime(['--credit-limit', '1000'], { store: new FileStore({ dir }) });
    const c = await connect(rt);
    cleanup.push(
      () => c.close(),
      () => rt.close(),
    );
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 3 });
    const id = (created.structuredContent!.project as { id: number }).id;
    const token = await quoteToken(c, id);

    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'in the way'); // the state directory is now a file: nothing can be read or written
    const before = rt.sandbox!.ledger().spent;
    const refused = await confirmApproval(c, id, token);
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/state store \(file .*state\.json\) cannot be used/);
    expect(text(refused)).toMatch(/Nothing was (changed or )?spent/);
    expect(text(refused)).toMatch(/reads still work/);
    const quote = await call(c, 'approve_project', { project_id: id });
    expect(text(quote)).toMatch(/Spending is refused until the state store is back/);
    const read = await call(c, 'get_project', { project_id: id });
    expect(read.isError, text(read)).toBeFalsy();
    expect(rt.sandbox!.ledger().spent).toBe(before);

    rmSync(dir); // back: the very next call uses it
    const again = await confirmApproval(c, id, await quoteToken(c, id));
    expect(again.structuredContent, text(again)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(rt.sandbox!.ledger().spent).toBe(before + 300);
    expect((await rt.budget.usage()).spent).toBe(300);
  });
});

describe('what the limit leaves', () => {
  it('the consent question says it, before the project’s own words', async () => {
    const rt = await sandboxRuntime(['--credit-limit', '1000', '--credit-period', 'week']);
    const c = await connect(rt, { elicit: () => ({ action: 'accept', content: { confirm: true } }) });
    cleanup.push(
      () => c.close(),
      () => rt.close(),
    );
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 3 });
    const id = (created.structuredContent!.project as { id: number }).id;
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started' });
    expect(c.asked[0]?.message).toMatch(
      /^This spends 300 credits\. After this spend, 700 credits are left under the credit limit of 1000 per week \(UTC\)\. Generate project/,
    );
    expect(await rt.budget.usage()).toMatchObject({ period: 'week', spent: 300 });
  });
});

describe('settling an unknown spend from a reading', () => {
  const setup = async () => {
    let now = Date.UTC(2026, 11, 2, 12);
    const store = new MemoryStore({ clock: () => now });
    const settler = new SpendSettler(store, 'acct', { clock: () => now });
    const before = { id: 7, status: 'proposed', updated_at: '2026-12-02T11:59:00Z', credits_used: 0 };
    await store.reserve('acct', {
      id: 's1',
      credits: 300,
      period: 'lifetime',
      action: 'approve_project',
      project_id: 7,
      holdMs: 60_000,
      before,
    });
    await store.settle('acct', 's1', 'unknown');
    const usage = () => store.usage('acct', 'lifetime');
    return { store, settler, before, usage, advance: (ms: number) => (now += ms) };
  };

  it('the work began → spent', async () => {
    const { settler, usage } = await setup();
    await settler.fromReading({ id: 8, status: 'generating' }, false); // another project: untouched
    expect(await usage()).toMatchObject({ unsettled: 300, spent: 0 });
    await settler.fromReading({ id: 7, status: 'generating' }, false);
    expect(await usage()).toMatchObject({ unsettled: 0, spent: 300 });
  });

  it('still resting, unchanged, in a full reading after the grace period → released; not before', async () => {
    const { settler, before, usage, advance } = await setup();
    await settler.fromReading(before, true);
    expect((await usage()).unsettled).toBe(300); // too soon: the request may still land
    advance(SETTLE_GRACE_MS);
    await settler.fromReading(before, false); // a status reading cannot prove "unchanged"
    expect((await usage()).unsettled).toBe(300);
    await settler.fromReading(before, true);
    expect(await usage()).toMatchObject({ unsettled: 0, spent: 0, open: [] });
  });
});
