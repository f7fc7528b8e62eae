/**
 * 7. The Redis store beside the in-memory one.
 * (a) HTTP load: two copies of the built server on one sandbox, `--store memory` and
 *     `--store redis://…` (a local redis-server), both with a credit limit, under `clients` concurrent
 *     2026-era clients asking approve_project for a quote — each call reads the store twice (does the
 *     figure fit, what does the limit leave) — in alternating slices (ABBA).
 * (b) A spend's store round trips, timed in this process against each store: the project lock taken,
 *     the quote id used, the credits reserved and settled, the lock released.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../src/store/memory.js';
import { openRedisStore } from '../src/store/redis.js';
import type { StateStore } from '../src/store/types.js';
import { startRedis } from '../test/helpers/redis-process.js';
import { connectAll, type HttpSide, httpSide, type LoadTarget, loadSlice, loadTarget } from './http-load.js';
import { abba, CLI, childEnv, median, percentile, round, rssKiB, spawnUntil, stop } from './lib.js';

export interface StoreBenchResult {
  clients: number;
  secondsPerSide: number;
  memory: HttpSide;
  redis: HttpSide;
  /** rps(redis) / rps(memory) */
  ratio: number;
  spend: { rounds: number; memory: { p50: number; p99: number }; redis: { p50: number; p99: number } };
}

const SANDBOX_TOKEN = 'bench-redis-sandbox-token';

async function spendRounds(store: StateStore, i: number): Promise<number> {
  const t = performance.now();
  const lock = `bench:project:${i % 50}:lock`;
  await store.acquire(lock, 'bench', 30_000);
  await store.useQuote('bench', `q${i}`, Date.now() + 600_000);
  await store.reserve('bench', {
    id: `r${i}`,
    credits: 100,
    limit: 1e12,
    period: 'lifetime',
    action: 'approve_project',
    holdMs: 60_000,
  });
  await store.settle('bench', `r${i}`, 'spent');
  await store.release(lock, 'bench');
  return performance.now() - t;
}

async function spendLatency(url: string, rounds: number): Promise<StoreBenchResult['spend']> {
  const memory = new MemoryStore();
  const redis = await openRedisStore({ url });
  const lat = { memory: [] as number[], redis: [] as number[] };
  try {
    for (let i = 0; i < 100; i++) await spendRounds(redis, -1 - i); // warm-up: scripts loaded
    for (let i = 0; i < rounds; i++) {
      for (const side of abba(i)) {
        const s = side === 'a' ? memory : redis;
        lat[side === 'a' ? 'memory' : 'redis'].push(await spendRounds(s, i));
      }
    }
  } finally {
    await redis.close();
  }
  const fig = (v: number[]) => ({ p50: round(median(v), 3), p99: round(percentile(v, 99), 3) });
  return { rounds, memory: fig(lat.memory), redis: fig(lat.redis) };
}

export async function runRedisStore(
  seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 20),
  clients = Number(process.env.BENCH_HTTP_CLIENTS ?? 50),
  slices = 4,
): Promise<StoreBenchResult> {
  const redisServer = await startRedis();
  const children: ChildProcess[] = [];
  const targets: LoadTarget[] = [];
  try {
    const sbx = await spawnUntil(
      [CLI, 'sandbox', '--port', '0', '--token', SANDBOX_TOKEN, '--credits', '100000'],
      childEnv(),
      (out) => /sandbox at (http:\/\/\S+)/.exec(out)?.[1],
    );
    children.push(sbx.child);
    const created = (await (
      await fetch(`${sbx.value}/stories/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SANDBOX_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          person_id: 1,
          story_idea: 'A robot learns to paint the sunrise.',
          num_scenes: 5,
        }),
      })
    ).json()) as { id: number };
    const server = async (store: string) => {
      const env = childEnv({
        TWIN_API_URL: sbx.value,
        TWIN_API_TOKEN: SANDBOX_TOKEN,
        TWIN_QUOTE_KEY: randomBytes(32).toString('hex'),
        TWIN_CREDIT_LIMIT: '1000000',
        TWIN_STORE: store,
        TWIN_LOG_LEVEL: 'info',
      });
      const s = await spawnUntil(
        [CLI, '--http', '--port', '0'],
        env,
        (_o, err) => /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(err)?.[1],
      );
      children.push(s.child);
      return loadTarget(s.value, s.child, 'approve_project', { project_id: created.id });
    };
    const a = await server('memory');
    const b = await server(redisServer.url);
    targets.push(a, b);
    const sliceMs = (seconds * 1000) / slices;
    const elapsed = await alternate(a, b, clients, slices, sliceMs);
    const memory = httpSide(a, elapsed.a);
    const redis = httpSide(b, elapsed.b);
    const spend = await spendLatency(redisServer.url, Number(process.env.BENCH_SPEND_ROUNDS ?? 2000));
    return {
      clients,
      secondsPerSide: seconds,
      memory,
      redis,
      ratio: round(redis.rps / memory.rps, 3),
      spend,
    };
  } finally {
    for (const t of targets) await Promise.all(t.clients.map((c) => c.close().catch(() => {})));
    for (const c of children.reverse()) await stop(c);
    await redisServer.close();
  }
}

async function alternate(a: LoadTarget, b: LoadTarget, clients: number, slices: number, sliceMs: number) {
  await connectAll(a, clients);
  await connectAll(b, clients);
  for (const t of [a, b]) {
    await loadSlice(t, 1000); // warm-up, not counted
    Object.assign(t, { lat: [], calls: 0, errors: 0, firstError: undefined, rss: [rssKiB(t.child.pid)] });
  }
  const elapsed = { a: 0, b: 0 };
  for (let i = 0; i < slices; i++) {
    for (const side of abba(i)) elapsed[side] += await loadSlice(side === 'a' ? a : b, sliceMs);
  }
  return elapsed;
}
