/** The 2025-era session pool on its own: capacity, lookup, busy/idle accounting, sweeping, closing. */
import { describe, expect, it } from 'vitest';
import { type PoolMember, SessionPool } from '../src/transports/http-sessions.js';

class Member implements PoolMember {
  closed = 0;
  constructor(readonly id: string) {}
  async close() {
    this.closed++;
  }
}

function pool(max = 2, idleMs = 1000) {
  let now = 0;
  const dropped: string[] = [];
  const p = new SessionPool<Member>({
    max,
    idleMs,
    now: () => now,
    onDropped: (m, why) => dropped.push(`${m.id}:${why}`),
  });
  let n = 0;
  const open = () => {
    const o = p.open(() => new Member(`s${++n}`));
    if (o) p.ready(o.member);
    return o;
  };
  return { p, open, dropped, tick: (ms: number) => (now += ms) };
}

describe('SessionPool', () => {
  it('is found by id only once ready, and counts only ready sessions', () => {
    const { p } = pool();
    const o = p.open(() => new Member('a'))!;
    expect(p.get('a')).toBeUndefined();
    expect(p.sessions).toBe(0);
    p.ready(o.member);
    expect(p.get('a')).toBe(o.member);
    expect(p.sessions).toBe(1);
    expect(p.isReady(o.member)).toBe(true);
  });

  it('when full, closes the session idle the longest (not the oldest) to make room, never a busy one', () => {
    const { p, open, tick, dropped } = pool(3);
    const a = open()!;
    tick(10);
    const b = open()!;
    tick(2);
    b.done(); // b idle since 12
    tick(13);
    a.done(); // a, opened first, idle only since 25
    const c = open()!; // c busy with its initialize
    tick(5);
    const d = open()!;
    expect([p.has(a.member), p.has(b.member), p.has(c.member), p.has(d.member)]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect(dropped).toEqual([expect.stringMatching(/^s2:idle the longest, closed to make room/)]);
    expect(open()).toBeDefined(); // a goes next
    expect(p.has(a.member)).toBe(false);
    expect(open()).toBeUndefined(); // c, d and the newest are all busy
  });

  it('refuses, without building a member, only when every session is busy (initializing counts)', () => {
    const { p } = pool(2);
    p.open(() => new Member('a')); // never ready: still in its initialize
    const b = p.open(() => new Member('b'))!;
    b.done();
    p.begin(b.member); // a stream open on b
    let built = false;
    expect(
      p.open(() => {
        built = true;
        return new Member('c');
      }),
    ).toBeUndefined();
    expect(built).toBe(false);
  });

  it('frees a slot at once on drop, closes the member once, and tells why', async () => {
    const { p, open, dropped } = pool(1);
    const a = open()!.member; // still busy with its initialize
    expect(open()).toBeUndefined();
    const closing = p.drop(a, 'ended by the client');
    expect(p.has(a)).toBe(false);
    expect(p.get(a.id)).toBeUndefined();
    expect(open()).toBeDefined();
    await closing;
    await p.drop(a, 'again');
    expect(a.closed).toBe(1);
    expect(dropped).toEqual([`${a.id}:ended by the client`]);
  });

  it('sweeps sessions idle for idleMs, never one with a request or stream in flight', () => {
    const { p, open, tick } = pool(3, 1000);
    const idle = open()!;
    idle.done();
    const busy = open()!;
    busy.done();
    const streamEnd = p.begin(busy.member);
    const recent = open()!;
    tick(999);
    recent.done(); // its initialize ended just now
    tick(1);
    p.sweep();
    expect([p.has(idle.member), p.has(busy.member), p.has(recent.member)]).toEqual([false, true, true]);

    streamEnd();
    streamEnd(); // ending twice counts once
    tick(999);
    p.sweep();
    expect(p.has(busy.member)).toBe(true);
    tick(1);
    p.sweep();
    expect([p.has(busy.member), p.has(recent.member)]).toEqual([false, false]);
  });

  it('closeAll closes every member, ready or not', async () => {
    const { p, open } = pool(3);
    const a = open()!.member;
    const pending = p.open(() => new Member('pending'))!.member;
    await p.closeAll('server shutting down');
    expect([a.closed, pending.closed]).toEqual([1, 1]);
    expect(p.sessions).toBe(0);
    expect(open()).toBeDefined();
  });
});
