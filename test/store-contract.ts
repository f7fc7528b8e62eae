/** What every state store must do, run against each implementation on a hand-driven clock. */
import { expect, it } from 'vitest';
import type { StateStore } from '../src/store/index.js';

export interface Clocked {
  store: StateStore;
  /** Moves the store's clock forward. */
  advance(ms: number): void;
}

const req = (id: string, credits: number, limit?: number, period: 'day' | 'lifetime' = 'lifetime') => ({
  id,
  credits,
  limit,
  period,
  action: 'approve_project',
  project_id: 7,
  holdMs: 60_000,
});

export function storeContract(make: (startMs: number) => Promise<Clocked>): void {
  const T0 = Date.UTC(2026, 11, 2, 23, 0); // 23:00 UTC on a Wednesday

  it('uses a quote id once, until it expires; a released id is usable again', async () => {
    const { store, advance } = await make(T0);
    expect(await store.useQuote('a', 'q1', T0 + 1000)).toBe(true);
    expect(await store.useQuote('a', 'q1', T0 + 1000)).toBe(false);
    expect(await store.useQuote('b', 'q1', T0 + 1000)).toBe(true); // accounts are apart
    expect(await store.releaseQuote('a', 'q1')).toBe(true);
    expect(await store.useQuote('a', 'q1', T0 + 1000)).toBe(true);
    advance(1000);
    expect(await store.useQuote('a', 'q1', T0 + 5000)).toBe(true); // expired ids are pruned
    await store.close();
  });

  it('reserves within the limit, counts held, unknown and spent, and settles once', async () => {
    const { store } = await make(T0);
    const before = { id: 7, status: 'proposed', updated_at: '2026-12-02T22:59:00Z' };
    expect((await store.reserve('a', { ...req('r1', 100, 250), scene_number: 2, before })).ok).toBe(true);
    // what the settler judges an unknown outcome by is kept with the open record
    expect((await store.usage('a', 'lifetime')).open[0]).toMatchObject({ id: 'r1', scene_number: 2, before });
    expect((await store.reserve('a', req('r2', 100, 250))).ok).toBe(true);
    const full = await store.reserve('a', req('r3', 100, 250));
    expect(full.ok).toBe(false);
    expect(full.usage).toMatchObject({ spent: 0, held: 200, unsettled: 0 });
    expect(await store.settle('a', 'r1', 'spent', 90)).toBe(true);
    expect(await store.settle('a', 'r1', 'released')).toBe(false);
    expect(await store.settle('a', 'r2', 'unknown')).toBe(true);
    let u = await store.usage('a', 'lifetime');
    expect(u).toMatchObject({ spent: 90, held: 0, unsettled: 100 });
    expect(u.open.map((r) => [r.id, r.state])).toEqual([['r2', 'unknown']]);
    expect(u.recent.map((r) => [r.id, r.credits, r.project_id, r.action])).toEqual([
      ['r1', 90, 7, 'approve_project'],
    ]);
    expect((await store.reserve('a', req('r4', 61, 250))).ok).toBe(false);
    expect(await store.settle('a', 'r2', 'released')).toBe(true);
    u = await store.usage('a', 'lifetime');
    expect(u).toMatchObject({ spent: 90, held: 0, unsettled: 0, open: [] });
    expect((await store.usage('b', 'lifetime')).spent).toBe(0);
    await store.close();
  });

  it('counts a period in UTC, and a hold whose holder vanished as unknown', async () => {
    const { store, advance } = await make(T0);
    expect((await store.reserve('a', req('d1', 100, 100, 'day'))).ok).toBe(true);
    await store.settle('a', 'd1', 'spent');
    expect((await store.reserve('a', req('d2', 1, 100, 'day'))).ok).toBe(false);
    advance(3600_000); // 00:00 UTC: a new day
    expect((await store.usage('a', 'day')).spent).toBe(0);
    expect((await store.usage('a', 'lifetime')).spent).toBe(100);
    expect((await store.reserve('a', req('d3', 100, 100, 'day'))).ok).toBe(true);
    advance(60_000); // the hold's time is up without a settle
    expect(await store.usage('a', 'day')).toMatchObject({ held: 0, unsettled: 100 });
    await store.close();
  });

  it('holds a lock for one owner until released or expired', async () => {
    const { store, advance } = await make(T0);
    expect(await store.acquire('a:project:1:lock', 'o1', 1000)).toBe(true);
    expect(await store.acquire('a:project:1:lock', 'o2', 1000)).toBe(false);
    expect(await store.renew('a:project:1:lock', 'o1', 1000)).toBe(true);
    expect(await store.renew('a:project:1:lock', 'o2', 1000)).toBe(false);
    await store.release('a:project:1:lock', 'o2'); // not the holder: nothing happens
    expect(await store.acquire('a:project:1:lock', 'o2', 1000)).toBe(false);
    advance(1001);
    expect(await store.acquire('a:project:1:lock', 'o2', 1000)).toBe(true);
    await store.release('a:project:1:lock', 'o2');
    expect(await store.acquire('a:project:1:lock', 'o1', 1000)).toBe(true);
    await store.close();
  });
}
