/**
 * 6. Held connections: the built server (`node dist/cli.js --http --max-streams <cap>`, pointed at a
 * sandbox in its own process) is sent `attempts` concurrent 2026-era `subscriptions/listen` requests
 * per round, more than the cap: `cap` are held open, the rest must be refused (503). Then every
 * stream is closed and the server's RSS is sampled until it settles. Several rounds show whether
 * memory held by closed streams is given back or reused (a leak would grow round after round).
 */
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { startHttpServer } from '../src/transports/http.js';
import { CLI, childEnv, round, rssKiB, sleep, spawnUntil, stop } from './lib.js';

export interface StreamsRound {
  held: number;
  refused: number;
  other: number;
  /** RSS MiB: before opening, with every stream open, right after all closed, and once settled. */
  rssMiB: { before: number; open: number; closed: number; settled: number };
  openSeconds: number;
}

export interface StreamsResult {
  cap: number;
  attempts: number;
  rounds: StreamsRound[];
  /** RSS MiB once the server is up, before any stream. */
  idleMiB: number;
  /**
   * The same rounds against the server in this process, its V8 heap measured after a full GC:
   * what RSS cannot show (V8 and malloc keep freed pages), whether closed streams are given back.
   */
  heapMiB: { start: number; rounds: Array<{ held: number; open: number; closed: number }> };
}

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench-streams', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'subscriptions/listen',
};

interface Opened {
  status: number;
  close(): void;
}

/** One listen request on its own socket; resolves once its status is known (the stream stays open on 200). */
function openListen(url: string, id: number, agent: Agent): Promise<Opened> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'subscriptions/listen',
    params: {
      notifications: { resourceSubscriptions: [`scene-projects://projects/${1 + (id % 50)}`] },
      _meta: ENVELOPE,
    },
  });
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: HEADERS, agent }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on('error', () => resolve({ status: -1, close: () => req.destroy() }));
    req.end(body);
  });
}

const mib = (kib: number) => round(kib / 1024, 1);

/** RSS sampled every 250 ms until two seconds pass without a new low (or `maxMs`). */
async function settledRss(pid: number | undefined, maxMs = 8000): Promise<number> {
  const t0 = performance.now();
  let low = rssKiB(pid);
  let lowAt = t0;
  while (performance.now() - t0 < maxMs && performance.now() - lowAt < 2000) {
    await sleep(250);
    const r = rssKiB(pid);
    if (r < low) {
      low = r;
      lowAt = performance.now();
    }
  }
  return rssKiB(pid);
}

async function streamsOpen(base: string): Promise<number> {
  const h = (await (await fetch(`${base}/healthz`)).json()) as { streams?: number };
  return h.streams ?? Number.NaN;
}

export async function runStreams(
  cap = Number(process.env.BENCH_STREAMS_CAP ?? 1000),
  attempts = Number(process.env.BENCH_STREAMS_ATTEMPTS ?? 2000),
  rounds = Number(process.env.BENCH_STREAMS_ROUNDS ?? 3),
): Promise<StreamsResult> {
  const children: ChildProcess[] = [];
  try {
    const sbx = await spawnUntil(
      [CLI, 'sandbox', '--port', '0', '--token', 'bench-sandbox-token'],
      childEnv(),
      (out) => /sandbox at (http:\/\/\S+)/.exec(out)?.[1],
    );
    children.push(sbx.child);
    const ours = await spawnUntil(
      [CLI, '--http', '--port', '0', '--max-streams', String(cap)],
      childEnv({ TWIN_API_URL: sbx.value, TWIN_API_TOKEN: 'bench-sandbox-token', TWIN_LOG_LEVEL: 'info' }),
      (_o, err) => /Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(err)?.[1],
    );
    children.push(ours.child);
    const url = ours.value;
    const base = url.replace(/\/mcp$/, '');
    const pid = ours.child.pid;
    const idle = await settledRss(pid, 3000);
    const out: StreamsRound[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = rssKiB(pid);
      const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
      const t0 = performance.now();
      const opened = await Promise.all(
        Array.from({ length: attempts }, (_, i) => openListen(url, r * attempts + i, agent)),
      );
      const openSeconds = round((performance.now() - t0) / 1000, 2);
      const held = opened.filter((o) => o.status === 200).length;
      const refused = opened.filter((o) => o.status === 503).length;
      const open = rssKiB(pid);
      for (const o of opened) o.close();
      agent.destroy();
      for (let i = 0; i < 200 && (await streamsOpen(base)) > 0; i++) await sleep(50);
      const closed = rssKiB(pid);
      const settled = await settledRss(pid);
      out.push({
        held,
        refused,
        other: attempts - held - refused,
        rssMiB: { before: mib(before), open: mib(open), closed: mib(closed), settled: mib(settled) },
        openSeconds,
      });
    }
    return {
      cap,
      attempts,
      rounds: out,
      idleMiB: mib(idle),
      heapMiB: await heapRounds(cap, attempts, rounds),
    };
  } finally {
    for (const c of children.reverse()) await stop(c);
  }
}

/** A full collection, enabled at run time (the bench is not started with --expose-gc). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

async function heapRounds(cap: number, attempts: number, rounds: number): Promise<StreamsResult['heapMiB']> {
  const gc = collector();
  const heap = () => {
    gc();
    return mib(process.memoryUsage().heapUsed / 1024);
  };
  const config = loadConfig(['--sandbox', '--http', '--max-streams', String(cap)], {});
  const rt = await createRuntime(config, { logger: silentLogger });
  const http = await startHttpServer(rt, { port: 0 });
  const base = http.url.replace(/\/mcp$/, '');
  try {
    const start = heap();
    const out: StreamsResult['heapMiB']['rounds'] = [];
    for (let r = 0; r < rounds; r++) {
      const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
      const opened = await Promise.all(
        Array.from({ length: attempts }, (_, i) => openListen(http.url, i, agent)),
      );
      const open = heap();
      for (const o of opened) o.close();
      agent.destroy();
      for (let i = 0; i < 200 && (await streamsOpen(base)) > 0; i++) await sleep(50);
      await sleep(500);
      out.push({ held: opened.filter((o) => o.status === 200).length, open, closed: heap() });
    }
    return { start, rounds: out };
  } finally {
    await http.close();
    await rt.close();
  }
}
