/**
 * 4. HTTP under load: `clients` concurrent MCP clients (2026-era, stateless Streamable HTTP) calling
 * `get_status` on the built server (`node dist/cli.js --http`, pointed at a sandbox in its own
 * process, as the real API would be) versus the bare server's trivial tool (`createMcpHandler` +
 * node:http, same SDK). Both servers run the whole time; load alternates between them in slices
 * (ABBA), so drift hits both sides alike. Loopback only; every loop ends at its slice's deadline.
 */
import type { ChildProcess } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { abba, BARE, CLI, childEnv, median, percentile, round, rssKiB, spawnUntil, stop } from './lib.js';

export interface HttpSide {
  calls: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  rssMiB: { start: number; end: number; max: number };
  firstError?: string;
}

export interface HttpResult {
  clients: number;
  secondsPerSide: number;
  slicesPerSide: number;
  ours: HttpSide;
  bare: HttpSide;
  /** rps(ours) / rps(bare) */
  ratio: number;
}

/** One server under load: its clients, the tool they call, and what was measured. */
export interface LoadTarget {
  url: string;
  child: ChildProcess;
  tool: string;
  args: Record<string, unknown>;
  lat: number[];
  calls: number;
  errors: number;
  firstError?: string;
  rss: number[];
  clients: Client[];
}

const urlFrom = (re: RegExp) => (_out: string, err: string) => re.exec(err)?.[1];

export async function connectAll(t: LoadTarget, n: number): Promise<void> {
  t.clients = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const client = new Client(
        { name: `load-${i}`, version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      await client.connect(new StreamableHTTPClientTransport(new URL(t.url)));
      return client;
    }),
  );
}

/** Every client calls the tool in a loop until `ms` have passed; returns the time it took. */
export async function loadSlice(t: LoadTarget, ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  const sampler = setInterval(() => t.rss.push(rssKiB(t.child.pid)), 250);
  const t0 = performance.now();
  await Promise.all(
    t.clients.map(async (client) => {
      while (performance.now() < deadline) {
        const s = performance.now();
        try {
          const r = (await client.callTool({ name: t.tool, arguments: t.args })) as { isError?: boolean };
          if (r.isError) {
            t.errors++;
            t.firstError ??= JSON.stringify(r).slice(0, 300);
          }
        } catch (e) {
          t.errors++;
          t.firstError ??= e instanceof Error ? e.message : String(e);
        }
        t.lat.push(performance.now() - s);
        t.calls++;
      }
    }),
  );
  clearInterval(sampler);
  t.rss.push(rssKiB(t.child.pid));
  return performance.now() - t0;
}

export const loadTarget = (
  url: string,
  child: ChildProcess,
  tool: string,
  args: Record<string, unknown>,
): LoadTarget => ({ url, child, tool, args, lat: [], calls: 0, errors: 0, rss: [], clients: [] });

/** The figures of one side after `ms` of load. */
export function httpSide(t: LoadTarget, ms: number): HttpSide {
  const mib = (k: number) => round(k / 1024, 1);
  const rss = t.rss.filter((x) => Number.isFinite(x));
  return {
    calls: t.calls,
    errors: t.errors,
    rps: round(t.calls / (ms / 1000), 0),
    p50: round(median(t.lat), 2),
    p99: round(percentile(t.lat, 99), 2),
    rssMiB: {
      start: mib(rss[0] ?? Number.NaN),
      end: mib(rss[rss.length - 1] ?? Number.NaN),
      max: mib(Math.max(...rss)),
    },
    ...(t.firstError && { firstError: t.firstError }),
  };
}

export async function runHttpLoad(
  seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 20),
  clients = Number(process.env.BENCH_HTTP_CLIENTS ?? 50),
  slices = 4,
): Promise<HttpResult> {
  const children: ChildProcess[] = [];
  const targets: LoadTarget[] = [];
  try {
    const sbx = await spawnUntil(
      [CLI, 'sandbox', '--port', '0', '--token', 'bench-sandbox-token', '--credits', '100000'],
      childEnv(),
      (out) => /sandbox at (http:\/\/\S+)/.exec(out)?.[1],
    );
    children.push(sbx.child);
    const apiUrl = sbx.value;
    // A project to follow: created and approved on the sandbox.
    const headers = { authorization: 'Bearer bench-sandbox-token', 'content-type': 'application/json' };
    const created = (await (
      await fetch(`${apiUrl}/stories/create`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          person_id: 1,
          story_idea: 'A robot learns to paint the sunrise over a quiet city.',
          num_scenes: 5,
        }),
      })
    ).json()) as { id: number };
    const ours = await spawnUntil(
      [CLI, '--http', '--port', '0'],
      childEnv({ TWIN_API_URL: apiUrl, TWIN_API_TOKEN: 'bench-sandbox-token', TWIN_LOG_LEVEL: 'info' }),
      urlFrom(/Streamable HTTP at (http:\/\/\S+\/mcp)/),
    );
    children.push(ours.child);
    const bare = await spawnUntil(
      [BARE, '--http', '0'],
      childEnv(),
      urlFrom(/bare server at (http:\/\/\S+\/mcp)/),
    );
    children.push(bare.child);
    const a = loadTarget(ours.value, ours.child, 'get_status', { project_id: created.id });
    const b = loadTarget(bare.value, bare.child, 'echo', { text: 'hello' });
    targets.push(a, b);
    await connectAll(a, clients);
    await connectAll(b, clients);
    // Warm-up (not counted): one short slice each.
    for (const t of [a, b]) {
      await loadSlice(t, 1000);
      Object.assign(t, { lat: [], calls: 0, errors: 0, firstError: undefined });
      t.rss = [rssKiB(t.child.pid)];
    }
    const sliceMs = (seconds * 1000) / slices;
    const elapsed = { a: 0, b: 0 };
    for (let i = 0; i < slices; i++) {
      for (const side of abba(i)) elapsed[side] += await loadSlice(side === 'a' ? a : b, sliceMs);
    }
    const o = httpSide(a, elapsed.a);
    const r = httpSide(b, elapsed.b);
    return {
      clients,
      secondsPerSide: seconds,
      slicesPerSide: slices,
      ours: o,
      bare: r,
      ratio: round(o.rps / r.rps, 3),
    };
  } finally {
    for (const t of targets) await Promise.all(t.clients.map((c) => c.close().catch(() => {})));
    for (const c of children.reverse()) await stop(c);
  }
}
