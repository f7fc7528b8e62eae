/** The per-project lock: one holder at a time, bounded waits, always released, leases that expire. */
import { describe, expect, it } from 'vitest';
import {
  accountKey,
  MemoryLockStore,
  ProjectBusyError,
  projectLockKey,
  withProjectLock,
} from '../src/consent/project-lock.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('withProjectLock', () => {
  it('runs one holder at a time per project, in turn, and frees the lock after', async () => {
    const store = new MemoryLockStore();
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withProjectLock(store, 'acct', 7, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setImmediate(r));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(store.size).toBe(0);
  });

  it('does not hold other projects or other accounts back', async () => {
    const store = new MemoryLockStore();
    const held = deferred();
    const holding = withProjectLock(store, 'acct', 1, () => held.promise);
    await expect(withProjectLock(store, 'acct', 2, async () => 'other project')).resolves.toBe(
      'other project',
    );
    await expect(withProjectLock(store, 'other', 1, async () => 'other account')).resolves.toBe(
      'other account',
    );
    held.resolve();
    await holding;
  });

  it('refuses after a bounded wait with a message that says nothing was done', async () => {
    const store = new MemoryLockStore();
    const held = deferred();
    const holding = withProjectLock(store, 'acct', 3, () => held.promise);
    let ran = false;
    const err = await withProjectLock(
      store,
      'acct',
      3,
      async () => {
        ran = true;
      },
      { waitMs: 30, what: 'update_scene' },
    ).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(ProjectBusyError);
    expect((err as Error).message).toMatch(/^Project 3 is busy: another spend or edit of it is in progress/);
    expect((err as Error).message).toMatch(/update_scene did nothing/);
    held.resolve();
    await holding;
  });

  it('releases the lock when the work throws', async () => {
    const store = new MemoryLockStore();
    await expect(
      withProjectLock(store, 'acct', 4, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.size).toBe(0);
    await expect(withProjectLock(store, 'acct', 4, async () => 'next')).resolves.toBe('next');
  });

  it('a waiter wakes as soon as the holder releases, not after its whole wait', async () => {
    const store = new MemoryLockStore();
    const held = deferred();
    const holding = withProjectLock(store, 'acct', 5, () => held.promise);
    const started = Date.now();
    const waiting = withProjectLock(store, 'acct', 5, async () => Date.now() - started, { waitMs: 60_000 });
    held.resolve();
    await holding;
    expect(await waiting).toBeLessThan(5_000);
  });

  it('an aborted wait ends at once', async () => {
    const store = new MemoryLockStore();
    const held = deferred();
    const holding = withProjectLock(store, 'acct', 6, () => held.promise);
    const ac = new AbortController();
    const waiting = withProjectLock(store, 'acct', 6, async () => 'ran', {
      waitMs: 60_000,
      signal: ac.signal,
    });
    ac.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    held.resolve();
    await holding;
  });
});

describe('MemoryLockStore leases', () => {
  it('a hold expires after its TTL (a dead holder frees the project); renew extends it', async () => {
    let now = 1_000;
    const store = new MemoryLockStore(() => now);
    const key = projectLockKey('acct', 9);
    expect(await store.acquire(key, 'a', 100)).toBe(true);
    expect(await store.acquire(key, 'b', 100)).toBe(false);
    now += 90;
    expect(await store.renew(key, 'a', 100)).toBe(true);
    now += 90;
    expect(await store.acquire(key, 'b', 100)).toBe(false);
    now += 20;
    expect(await store.acquire(key, 'b', 100)).toBe(true);
    expect(await store.renew(key, 'a', 100)).toBe(false);
    await store.release(key, 'a'); // not the holder: nothing happens
    expect(await store.acquire(key, 'c', 100)).toBe(false);
    await store.release(key, 'b');
    expect(await store.acquire(key, 'c', 100)).toBe(true);
  });

  it('keys carry the account as a hash, never the token', () => {
    const key = projectLockKey(accountKey('tok_secret_value'), 12);
    expect(key).not.toContain('tok_secret_value');
    expect(key).toMatch(/^[0-9a-f]{16}:project:12:lock$/);
    expect(accountKey('a')).not.toBe(accountKey('b'));
  });
});
