/**
 * 3. Per-call overhead: `get_status` through a real MCP client over an InMemoryTransport pair, against
 * the API client's own `getStatus`, both on the same in-process sandbox and the same client pool.
 * Calls alternate (MCP, direct, direct, MCP, …); each adjacent pair gives one difference.
 */
import { startSandbox } from '../src/sandbox/index.js';
import { memClient, newProject, runtimeOn } from './inproc.js';
import { abba, median, percentile, round } from './lib.js';

export interface PerCallResult {
  pairs: number;
  warmup: number;
  mcp: { p50: number; p99: number };
  direct: { p50: number; p99: number };
  overhead: { p50: number; p99: number };
}

export async function runPerCall(
  pairs = Number(process.env.BENCH_PERCALL_PAIRS ?? 1000),
): Promise<PerCallResult> {
  const sandbox = await startSandbox({ timeScale: 1 });
  const rt = await runtimeOn(sandbox);
  const mem = await memClient(rt);
  try {
    const id = await newProject(rt.api);
    // Approved, and slowed right down, so every call answers a "generating" status with its scenes.
    await rt.api.approveProject(id, { confirm_credits: true });
    const viaMcp = async () => {
      const t = performance.now();
      const r = (await mem.client.callTool({ name: 'get_status', arguments: { project_id: id } })) as {
        isError?: boolean;
      };
      if (r.isError) throw new Error(`get_status failed: ${JSON.stringify(r).slice(0, 300)}`);
      return performance.now() - t;
    };
    const direct = async () => {
      const t = performance.now();
      await rt.api.getStatus(id);
      return performance.now() - t;
    };
    const warmup = 100;
    const m: number[] = [];
    const d: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < warmup + pairs; i++) {
      let a = 0;
      let b = 0;
      for (const side of abba(i)) {
        if (side === 'a') a = await viaMcp();
        else b = await direct();
      }
      if (i < warmup) continue;
      m.push(a);
      d.push(b);
      diff.push(a - b);
    }
    const r3 = (x: number) => round(x, 3);
    return {
      pairs,
      warmup,
      mcp: { p50: r3(median(m)), p99: r3(percentile(m, 99)) },
      direct: { p50: r3(median(d)), p99: r3(percentile(d, 99)) },
      overhead: { p50: r3(median(diff)), p99: r3(percentile(diff, 99)) },
    };
  } finally {
    await mem.close();
    await rt.close();
    await sandbox.close();
  }
}
