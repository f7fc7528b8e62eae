/**
 * 5. Polling economy. A "10-minute" generation is compressed into `genSeconds` of wall time: the
 * sandbox's 5-scene generation takes 10 s at timeScale 1, so timeScale = 10 / genSeconds, and every
 * duration an agent or the watcher uses is divided by the same factor k = 600 / genSeconds
 * (wait_seconds 50 → 50 / k; the watcher's 1 s / 5 s / 15 s intervals → / k). Counts do not depend on k.
 *
 * N agents (1, 10, 100), each on its own MCP connection (in memory), call `get_status` with
 * wait_seconds in a loop on one generating project until it is done; then one agent does the same
 * with until "done" (the call returns only at the end or when wait_seconds runs out). The product's ProjectWatcher
 * (with the scaled timing) is the runtime's follower, and its upstream client is counted apart
 * from the tools' own reads; the sandbox counts every status request it served.
 */

import { SceneProjectsClient } from '../src/api/client.js';
import type { SceneProjectsApi } from '../src/api/contract.js';
import { DEFAULT_TIMING, type WatcherTiming } from '../src/live/timing.js';
import { ProjectWatcher } from '../src/live/watcher.js';
import { startSandbox } from '../src/sandbox/index.js';
import { memClient, newProject, runtimeOn } from './inproc.js';
import { round, within } from './lib.js';

export interface PollingRun {
  followers: number;
  /** What ends each get_status wait: the next change, or only the end. */
  until: 'change' | 'done';
  /** Wall seconds from approval to the last agent seeing the final URL. */
  seconds: number;
  /** Poll ticks of the shared watcher while the generation ran. */
  ticks: number;
  /** Status requests the watcher sent (all followers together). */
  watcherPolls: number;
  /** Goal 1: watcher requests per followed project per poll interval. */
  watcherPollsPerTick: number;
  /** get_status calls made by all agents (each reads the status once before waiting). */
  toolCalls: number;
  /** Every status request the sandbox served in the window (watcher + the tools' own first reads). */
  upstreamStatusRequests: number;
  upstreamPerTick: number;
  /** Tool calls per agent from approval to the final URL (median over agents). */
  callsPerAgent: number;
  errors: number;
}

export interface PollingResult {
  method: string;
  genSeconds: number;
  k: number;
  scaledWaitSeconds: number;
  timing: WatcherTiming;
  runs: PollingRun[];
  /** The agent's calls for one "10-minute" generation with wait_seconds 50 (N = 1 run). */
  agentCalls: number;
  /** The same with until "done" (goal ≤ 13). */
  agentCallsUntilDone: number;
  /** What the calls would be if every wait ran its full 50 s: ceil(600 / 50). */
  agentCallsIfEveryWaitTimedOut: number;
}

const REAL_GENERATION_S = 600;
const WAIT_S = 50;

function countingApi(inner: SceneProjectsApi, stamps: number[]): Pick<SceneProjectsApi, 'getStatus'> {
  return {
    getStatus(id, opts) {
      stamps.push(performance.now());
      return inner.getStatus(id, opts);
    },
  };
}

export async function runPolling(
  genSeconds = Number(process.env.BENCH_POLL_GEN_SECONDS ?? 6),
  counts = [1, 10, 100],
): Promise<PollingResult> {
  const k = REAL_GENERATION_S / genSeconds;
  const timing: WatcherTiming = {
    ...DEFAULT_TIMING,
    minIntervalMs: DEFAULT_TIMING.minIntervalMs / k,
    maxIntervalMs: DEFAULT_TIMING.maxIntervalMs / k,
    progressCapMs: DEFAULT_TIMING.progressCapMs / k,
    heartbeatMs: DEFAULT_TIMING.heartbeatMs / k,
    lingerMs: DEFAULT_TIMING.lingerMs / k,
  };
  const waitSeconds = WAIT_S / k;
  const sandbox = await startSandbox({ timeScale: 10 / genSeconds, credits: 1_000_000 });
  const runs: PollingRun[] = [];
  try {
    for (const n of counts)
      runs.push(await within(genSeconds * 4000 + 20_000, `polling with ${n} followers`, one(n, 'change')));
    runs.push(await within(genSeconds * 4000 + 20_000, 'polling until done', one(1, 'done')));
  } finally {
    await sandbox.close();
  }
  const agentCalls = runs.find((r) => r.followers === 1 && r.until === 'change')?.callsPerAgent ?? Number.NaN;
  const agentCallsUntilDone = runs.find((r) => r.until === 'done')?.callsPerAgent ?? Number.NaN;
  return {
    method:
      `5-scene sandbox generation compressed ${round(k, 1)}×: ${genSeconds} s of wall time stand for 600 s; ` +
      `wait_seconds ${WAIT_S} → ${round(waitSeconds, 3)} s and the watcher's intervals divided by the same factor.`,
    genSeconds,
    k: round(k, 2),
    scaledWaitSeconds: round(waitSeconds, 4),
    timing,
    runs,
    agentCalls,
    agentCallsUntilDone,
    agentCallsIfEveryWaitTimedOut: Math.ceil(REAL_GENERATION_S / WAIT_S),
  };

  async function one(n: number, until: 'change' | 'done'): Promise<PollingRun> {
    const stamps: number[] = [];
    const pollClient = new SceneProjectsClient({ baseUrl: sandbox.url, token: sandbox.token });
    const watcher = new ProjectWatcher({ api: countingApi(pollClient, stamps), ...timing });
    const rt = await runtimeOn(sandbox, { follower: watcher });
    const clients = await Promise.all(Array.from({ length: n }, (_, i) => memClient(rt, `agent-${i}`)));
    try {
      const id = await newProject(rt.api);
      const isStatus = (p: string) => p.endsWith(`/${id}/status`);
      await rt.api.approveProject(id, { confirm_credits: true });
      const t0 = performance.now();
      const wall0 = Date.now();
      let errors = 0;
      const calls = await Promise.all(
        clients.map(async ({ client }) => {
          for (let c = 1; c <= 500; c++) {
            const r = (await client.callTool({
              name: 'get_status',
              arguments: { project_id: id, wait_seconds: waitSeconds, until },
            })) as {
              isError?: boolean;
              structuredContent?: { done?: boolean; status?: { final_video_url?: string } };
            };
            if (r.isError) errors++;
            if (r.structuredContent?.done && r.structuredContent.status?.final_video_url) return c;
          }
          throw new Error('no final URL after 500 calls');
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const windowStamps = stamps.filter((s) => s >= t0);
      // Polls closer together than half the quickest interval belong to the same tick.
      let ticks = 0;
      let last = Number.NEGATIVE_INFINITY;
      for (const s of windowStamps) {
        if (s - last > timing.minIntervalMs / 2) ticks++;
        last = s;
      }
      const upstream = sandbox
        .requests()
        .filter((r) => r.method === 'GET' && isStatus(r.path) && r.at >= wall0);
      const toolCalls = calls.reduce((a, b) => a + b, 0);
      const sorted = [...calls].sort((a, b) => a - b);
      return {
        followers: n,
        until,
        seconds: round(seconds, 2),
        ticks,
        watcherPolls: windowStamps.length,
        watcherPollsPerTick: round(windowStamps.length / Math.max(1, ticks), 3),
        toolCalls,
        upstreamStatusRequests: upstream.length,
        upstreamPerTick: round(upstream.length / Math.max(1, ticks), 2),
        callsPerAgent: sorted[sorted.length >> 1]!,
        errors,
      };
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      watcher.close();
      await rt.close();
      await pollClient.close();
    }
  }
}
