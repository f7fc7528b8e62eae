/**
 * `npm run bench`: every benchmark in turn (each interleaves our server with the bare one in the
 * same run), a table on stdout, and bench/results.json. Bounded: each benchmark has a deadline.
 * Knobs: BENCH_HTTP_SECONDS (20), BENCH_HTTP_CLIENTS (50), BENCH_STARTUP_ROUNDS (15),
 * BENCH_MEMORY_ROUNDS (8), BENCH_PERCALL_PAIRS (1000), BENCH_POLL_GEN_SECONDS (6), BENCH_SPEND_ROUNDS (2000),
 * BENCH_ONLY (a,b,…: tools, app, startup, memory, perCall, http, polling, streams, redis).
 */
import { writeFileSync } from 'node:fs';
import { APP_GZIP_GOAL_KB, runAppSize } from './app-size.js';
import { runHttpLoad } from './http-load.js';
import { machine, ROOT, type Row, within } from './lib.js';
import { runMemory } from './memory.js';
import { runPerCall } from './per-call.js';
import { runPolling } from './polling.js';
import { runRedisStore } from './redis-store.js';
import { runStartup } from './startup.js';
import { runStreams } from './streams.js';
import { figures, listAllTools, TOKEN_GOALS } from './tools-size-lib.js';

const only = process.env.BENCH_ONLY?.split(',');
const want = (name: string) => !only || only.includes(name);
const started = performance.now();
const results: Record<string, unknown> = { machine: machine() };
const rows: Row[] = [];
const fmt = (n: number, unit = '') => `${n}${unit}`;

async function step<T>(name: string, limitMs: number, run: () => Promise<T>, toRows: (r: T) => Row[]) {
  if (!want(name)) return;
  const t = performance.now();
  process.stderr.write(`bench: ${name}…\n`);
  try {
    const r = await within(limitMs, name, run());
    results[name] = { ...r, tookSeconds: Math.round((performance.now() - t) / 100) / 10 };
    rows.push(...toRows(r));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    results[name] = { error: message };
    rows.push({
      benchmark: name,
      measure: 'failed',
      ours: message,
      bare: '',
      ratio: '',
      goal: '',
      met: false,
    });
  }
}

await step(
  'tools',
  20_000,
  async () => figures(await listAllTools()),
  (r) => [
    {
      benchmark: `0. tool definitions (${r.tools} tools)`,
      measure: 'given to the model: names, descriptions, input schemas, ≈ tokens',
      ours: fmt(r.modelTokens),
      bare: `${r.modelChars} chars`,
      ratio: '',
      goal: `≤ ${TOKEN_GOALS.model}`,
      met: r.modelTokens <= TOKEN_GOALS.model,
    },
    {
      benchmark: '',
      measure: 'whole tools/list payload (output schemas, metadata), ≈ tokens',
      ours: fmt(r.payloadTokens),
      bare: `${r.payloadChars} chars`,
      ratio: '',
      goal: `≤ ${TOKEN_GOALS.payload}`,
      met: r.payloadTokens <= TOKEN_GOALS.payload,
    },
  ],
);
await step(
  'app',
  30_000,
  () => runAppSize(),
  (r) => [
    {
      benchmark: '0. storyboard app (MCP Apps)',
      measure: 'dist/app/storyboard.html gzipped KB (raw KB); read on first request, not at start-up',
      ours: `${r.gzipKB} (${r.rawKB})`,
      bare: `script, minified KB: ${Object.entries(r.scriptKB)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      ratio: '',
      goal: `≤ ${APP_GZIP_GOAL_KB}`,
      met: r.gzipKB <= APP_GZIP_GOAL_KB,
    },
  ],
);
await step(
  'startup',
  60_000,
  () => runStartup(),
  (r) => [
    {
      benchmark: '1. start-up (stdio)',
      measure: 'spawn → first tools/list, median ms',
      ours: fmt(r.ours.median),
      bare: fmt(r.bare.median),
      ratio: fmt(r.ratio),
      goal: 'ratio ≤ 1.15',
      met: r.ratio <= 1.15,
    },
  ],
);
await step(
  'memory',
  40_000,
  () => runMemory(),
  (r) => [
    {
      benchmark: '2. memory (stdio)',
      measure: 'VmRSS after first tools/list, median MiB',
      ours: fmt(r.ours.median),
      bare: fmt(r.bare.median),
      ratio: fmt(r.ratio),
      goal: 'ratio ≤ 1.15',
      met: r.ratio <= 1.15,
    },
  ],
);
await step(
  'perCall',
  40_000,
  () => runPerCall(),
  (r) => [
    {
      benchmark: '3. per-call overhead',
      measure: 'get_status via MCP (memory) − API getStatus, ms',
      ours: `p50 ${r.overhead.p50} / p99 ${r.overhead.p99}`,
      bare: `MCP p50 ${r.mcp.p50}, direct p50 ${r.direct.p50}`,
      ratio: '',
      goal: 'p50 ≤ 0.5 ms',
      met: r.overhead.p50 <= 0.5,
    },
  ],
);
const httpSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 20);
await step(
  'http',
  httpSeconds * 2000 + 40_000,
  () => runHttpLoad(httpSeconds),
  (r) => [
    {
      benchmark: `4. HTTP load (${r.clients} clients, ${r.secondsPerSide} s each)`,
      measure: 'requests/s',
      ours: fmt(r.ours.rps),
      bare: fmt(r.bare.rps),
      ratio: fmt(r.ratio),
      goal: 'ratio ≥ 0.8',
      met: r.ratio >= 0.8,
    },
    {
      benchmark: '',
      measure: 'latency p50 / p99 ms',
      ours: `${r.ours.p50} / ${r.ours.p99}`,
      bare: `${r.bare.p50} / ${r.bare.p99}`,
      ratio: '',
      goal: '',
      met: null,
    },
    {
      benchmark: '',
      measure: 'errors',
      ours: fmt(r.ours.errors),
      bare: fmt(r.bare.errors),
      ratio: '',
      goal: 'none',
      met: r.ours.errors === 0 && r.bare.errors === 0,
    },
    {
      benchmark: '',
      measure: 'server RSS start / end / max MiB',
      ours: `${r.ours.rssMiB.start} / ${r.ours.rssMiB.end} / ${r.ours.rssMiB.max}`,
      bare: `${r.bare.rssMiB.start} / ${r.bare.rssMiB.end} / ${r.bare.rssMiB.max}`,
      ratio: '',
      goal: 'steady',
      met: null,
    },
  ],
);
await step(
  'polling',
  90_000,
  () => runPolling(),
  (r) => [
    ...r.runs
      .filter((x) => x.until === 'change')
      .map(
        (x): Row => ({
          benchmark: `5. polling, ${x.followers} follower${x.followers > 1 ? 's' : ''}`,
          measure: 'watcher status requests per poll interval (all requests incl. each call’s own read)',
          ours: `${x.watcherPollsPerTick} (${x.upstreamPerTick})`,
          bare: '',
          ratio: '',
          goal: '1',
          met: x.watcherPollsPerTick <= 1,
        }),
      ),
    {
      benchmark: '5. agent calls, "10-min" generation',
      measure: `get_status calls approval → final URL (wait_seconds 50, scaled ${r.k}×)`,
      ours: fmt(r.agentCalls),
      bare: `${r.agentCallsIfEveryWaitTimedOut} if every wait ran 50 s`,
      ratio: '',
      goal: '',
      met: null,
    },
    {
      benchmark: '5. agent calls, until "done"',
      measure: `the same with until "done" (wait_seconds 50, scaled ${r.k}×)`,
      ours: fmt(r.agentCallsUntilDone),
      bare: `${r.agentCallsIfEveryWaitTimedOut} if every wait ran 50 s`,
      ratio: '',
      goal: '≤ 13',
      met: r.agentCallsUntilDone <= 13,
    },
  ],
);
await step(
  'streams',
  120_000,
  () => runStreams(),
  (r) =>
    r.rounds
      .map(
        (x, i): Row => ({
          benchmark: i
            ? ''
            : `6. held connections (cap ${r.cap}, ${r.attempts} listen at once; idle ${r.idleMiB} MiB)`,
          measure: `round ${i + 1}: held / refused; RSS MiB before / all open / closed / settled`,
          ours: `${x.held} / ${x.refused}; ${x.rssMiB.before} / ${x.rssMiB.open} / ${x.rssMiB.closed} / ${x.rssMiB.settled}`,
          bare: '',
          ratio: '',
          goal: `held ${r.cap}, rest refused`,
          met: x.held === r.cap && x.refused === r.attempts - r.cap,
        }),
      )
      .concat([
        {
          benchmark: '',
          measure: `the same in process: V8 heap MiB after a full GC, start, then per round open → closed`,
          ours: `${r.heapMiB.start}; ${r.heapMiB.rounds.map((x) => `${x.open} → ${x.closed}`).join(', ')}`,
          bare: '',
          ratio: '',
          goal: 'given back',
          met: r.heapMiB.rounds.every((x) => x.held === r.cap && x.closed < x.open),
        },
      ]),
);

await step(
  'redis',
  httpSeconds * 2000 + 60_000,
  () => runRedisStore(httpSeconds),
  (r) => [
    {
      benchmark: `7. Redis store (${r.clients} clients, ${r.secondsPerSide} s each)`,
      measure: 'HTTP requests/s, approve_project quotes under a credit limit: redis:// vs memory',
      ours: fmt(r.redis.rps),
      bare: fmt(r.memory.rps),
      ratio: fmt(r.ratio),
      goal: 'ratio ≥ 0.8',
      met: r.ratio >= 0.8,
    },
    {
      benchmark: '',
      measure: 'latency p50 / p99 ms; errors',
      ours: `${r.redis.p50} / ${r.redis.p99}; ${r.redis.errors}`,
      bare: `${r.memory.p50} / ${r.memory.p99}; ${r.memory.errors}`,
      ratio: '',
      goal: 'no errors',
      met: r.redis.errors === 0 && r.memory.errors === 0,
    },
    {
      benchmark: '',
      measure: `a spend's store round trips (lock, quote, reserve, settle, unlock), p50 / p99 ms (${r.spend.rounds} pairs)`,
      ours: `${r.spend.redis.p50} / ${r.spend.redis.p99}`,
      bare: `${r.spend.memory.p50} / ${r.spend.memory.p99}`,
      ratio: '',
      goal: 'p50 ≤ 2 ms',
      met: r.spend.redis.p50 <= 2,
    },
  ],
);

const total = Math.round((performance.now() - started) / 1000);
results.totalSeconds = total;
writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);

const head = ['benchmark', 'measure', 'ours', 'bare / reference', 'ratio', 'goal', 'met'];
const cells = rows.map((r) => [
  r.benchmark,
  r.measure,
  r.ours,
  r.bare,
  r.ratio,
  r.goal,
  r.met === null ? '' : r.met ? 'yes' : 'NO',
]);
const line = (c: string[]) => `| ${c.join(' | ')} |`;
const m = results.machine as ReturnType<typeof machine>;
process.stdout.write(
  [
    line(head),
    line(head.map(() => '---')),
    ...cells.map(line),
    '',
    `${m.cpu}, ${m.nproc} cores, ${m.memTotalMiB} MiB, Node ${m.node}, ${m.date}; bench took ${total} s.`,
    'Written: bench/results.json',
    '',
  ].join('\n'),
);
const failed =
  Object.values(results).some((v) => typeof v === 'object' && v !== null && 'error' in v) ||
  rows.some((r) => r.met === false);
process.exitCode = failed ? 1 : 0;
