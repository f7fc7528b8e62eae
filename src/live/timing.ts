/**
 * How often the watcher polls: the bounds of its schedule (the policy itself is in watcher.ts and
 * pace.ts), and the faster schedule used with a sandbox that runs faster than real time.
 */
import { HEARTBEAT_MS } from './heartbeat.js';
import { DEFAULT_PACE } from './pace.js';

export interface WatcherTiming {
  /** Quickest poll interval, used after a meaningful change. Default 1000. */
  minIntervalMs: number;
  /** Slowest poll interval while nothing changes. Default 15000. */
  maxIntervalMs: number;
  /** Slowest interval while only progress moves. Default 5000. */
  progressCapMs: number;
  /** Growth per unchanged poll. Default 1.5. */
  backoff: number;
  /** Waits re-report the latest snapshot at least this often (progress heartbeat). Default 8000. */
  heartbeatMs: number;
  /** How long a project's schedule survives its last follower. Default 30000. */
  lingerMs: number;
  /** Longest wait honoured from a Retry-After. Default 120000. */
  maxRetryAfterMs: number;
}

export const DEFAULT_TIMING: WatcherTiming = {
  minIntervalMs: DEFAULT_PACE.minMs,
  maxIntervalMs: DEFAULT_PACE.maxMs,
  progressCapMs: DEFAULT_PACE.progressCapMs,
  backoff: DEFAULT_PACE.factor,
  heartbeatMs: HEARTBEAT_MS,
  lingerMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/**
 * With the in-process sandbox running faster than real time, poll faster by the same factor, so
 * demos and tests see every step (never below 25 ms).
 */
export function sandboxTiming(
  sandbox: { enabled: boolean; timeScale: number },
  timing: Partial<WatcherTiming> = {},
): Partial<WatcherTiming> {
  const scale = sandbox.enabled ? sandbox.timeScale : 1;
  if (!(scale > 1)) return timing;
  const s = (ms: number) => Math.max(25, Math.round(ms / scale));
  return {
    minIntervalMs: s(1000),
    maxIntervalMs: s(15_000),
    progressCapMs: s(5000),
    ...timing,
  };
}
