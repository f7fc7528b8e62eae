/** The Redis store against a real redis-server: the store contract, pub/sub, and failing closed. */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRedisStore, type RedisStore } from '../src/store/redis.js';
import { StoreUnavailableError } from '../src/store/types.js';
import { builtCli } from './helpers/dist.js';
import { freePort } from './helpers/redis-process.js';
import { describeWithRedis, type RedisServer, startRedis } from './helpers/redis-server.js';
import { storeContract } from './store-contract.js';

describeWithRedis('redis store', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  /** Each case its own database key space: a fresh account name per store. */
  const open = (clock?: () => number) => openRedisStore({ url: redis.url, clock });

  storeContract(async (start) => {
    let now = start;
    const store = await open(() => now);
    // Accounts are fixed names in the contract: give each case a clean database.
    await (store as unknown as { client: { flushDb(): Promise<unknown> } }).client.flushDb();
    return {
      store,
      advance: (ms) => {
        now += ms;
      },
    };
  });

  it('carries events between stores (replicas) over pub/sub, and wakes lock waiters on release', async () => {
    const a = await open();
    const b = await open();
    const got: string[] = [];
    const off = await b.events.subscribe('project:1', (m) => got.push(m));
    await a.events.publish('project:1', 'hello');
    await expect.poll(() => got).toEqual(['hello']);
    await off();
    expect(await a.acquire('acct:project:9:lock', 'a', 30_000)).toBe(true);
    const started = Date.now();
    const waited = b.released('acct:project:9:lock', 10_000);
    await new Promise((r) => setTimeout(r, 50));
    await a.release('acct:project:9:lock', 'a');
    await waited;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await b.acquire('acct:project:9:lock', 'b', 30_000)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('fails closed while Redis is down, and works again when it is back, without a new store', async () => {
    const store: RedisStore = await open();
    expect(await store.useQuote('acct', 'before', Date.now() + 60_000)).toBe(true);
    await redis.stop();
    const t0 = Date.now();
    await expect(store.useQuote('acct', 'down', Date.now() + 60_000)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(
      store.reserve('acct', { id: 'r', credits: 1, period: 'lifetime', action: 'x', holdMs: 1000 }),
    ).rejects.toThrow(/state store \(redis:\/\/127\.0\.0\.1:\d+\) cannot be used/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await redis.start();
    await expect
      .poll(() => store.useQuote('acct', 'after', Date.now() + 60_000).catch(() => 'down'), {
        timeout: 10_000,
      })
      .toBe(true);
    await store.close();
  });

  it('doctor checks a Redis store: answering, or failing with its fix, never showing its password', async () => {
    const doctor = (store: string) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          [builtCli(), 'doctor', '--sandbox', '--store', store],
          { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, out: stdout + stderr }),
        );
      });
    const up = await doctor(redis.url);
    expect(up.code, up.out).toBe(0);
    expect(up.out).toMatch(/\[ok {2}\] Redis store: redis:\/\/127\.0\.0\.1:\d+ answers/);
    const password = 'pw-4c1d2e9f7a';
    const down = await doctor(`redis://:${password}@127.0.0.1:${await freePort()}`);
    expect(down.code, down.out).toBe(1);
    expect(down.out).toMatch(/\[FAIL\] Redis store: .*cannot be used.*Spending is refused until it answers/);
    expect(down.out).toMatch(/fix: Start Redis/);
    expect(down.out).not.toContain(password);
  });
});
