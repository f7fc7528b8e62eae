/**
 * Following a generation without agent turns, for applications outside MCP: polls get-status with
 * backoff (fast after a change, slower while nothing moves), tolerates transient upstream errors,
 * stops at a terminal status, a timeout or an abort. Also serves as the ProjectFollower behind
 * get_status `wait_seconds` in the library, so that argument works there too.
 *
 * Not the server's ProjectWatcher: its timers are unref'd, which suits a server (the transport keeps
 * the process alive) but not a script whose only pending work is `await waitForProject(...)`: Node
 * would exit mid-wait. These waits hold the event loop, and end with the promise.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SceneProjectsApi } from '../api/contract.js';
import { ApiError } from '../api/errors/index.js';
import { isTerminalStatus, type ProjectStatusResponse } from '../api/schemas.js';
import { fingerprint, progressMessage } from '../live/change.js';
import type { ProjectFollower, WaitOptions, WaitResult } from '../live/follower.js';
import { DEFAULT_PACE, nextInterval, type PollOutcome, type PollPace } from '../live/pace.js';

export interface PollIntervals {
  /** First wait, and the wait right after a change. Default 2000 ms. */
  minMs?: number;
  /** Longest wait while nothing changes. Default 15000 ms. */
  maxMs?: number;
}

export interface WaitForProjectOptions {
  /** Called with each snapshot that differs from the one before (status, step, scenes, URLs or progress). */
  onProgress?: (snapshot: ProjectStatusResponse, message: string) => void;
  signal?: AbortSignal;
  /** Give up after this long. Default 30 minutes. */
  timeoutMs?: number;
  /** Overrides the poll intervals given to createSceneTools. */
  intervals?: PollIntervals;
}

/** waitForProject gave up before the project reached a terminal status. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    readonly projectId: number,
    /** The last status seen, if any call succeeded. */
    readonly snapshot: ProjectStatusResponse | undefined,
    timeoutMs: number,
  ) {
    super(
      `Project ${projectId} did not finish within ${Math.round(timeoutMs / 1000)} s` +
        (snapshot ? ` (last seen: ${progressMessage(snapshot)})` : '') +
        '. It may still be generating: call waitForProject again or get_status later.',
    );
  }
}

/** Errors after which polling goes on: the client already retried, the service may be back soon. */
const TRANSIENT = new Set(['unavailable', 'rate_limited']);

const DEFAULT_MIN = 2_000;
const DEFAULT_MAX = 15_000;

/** The watcher's schedule; the library's own intervals replace its bounds. */
const PACE: PollPace = { ...DEFAULT_PACE, minMs: DEFAULT_MIN, maxMs: DEFAULT_MAX };

function pollOutcome(previous: ProjectStatusResponse | undefined, s: ProjectStatusResponse): PollOutcome {
  if (!previous || fingerprint(previous) !== fingerprint(s)) return 'changed';
  return previous.progress === s.progress ? 'unchanged' : 'progress';
}

export class PollingFollower implements ProjectFollower {
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly api: SceneProjectsApi,
    intervals: PollIntervals = {},
  ) {
    this.minMs = Math.max(1, intervals.minMs ?? DEFAULT_MIN);
    this.maxMs = Math.max(this.minMs, intervals.maxMs ?? DEFAULT_MAX);
  }

  /**
   * Polls until `done(snapshot)` says stop, or the time runs out. Resolves with the last snapshot and
   * whether `done` was met; rejects on abort (with the signal's reason) or on a non-transient error.
   */
  private async poll(
    projectId: number,
    o: {
      timeoutMs: number;
      signal?: AbortSignal;
      intervals?: PollIntervals;
      first?: ProjectStatusResponse;
      done: (s: ProjectStatusResponse) => boolean;
      onSnapshot?: (s: ProjectStatusResponse, changed: boolean) => void;
    },
  ): Promise<{ snapshot: ProjectStatusResponse | undefined; met: boolean }> {
    const minMs = Math.max(1, o.intervals?.minMs ?? this.minMs);
    const pace = { ...PACE, minMs, maxMs: Math.max(minMs, o.intervals?.maxMs ?? this.maxMs) };
    const deadline = Date.now() + Math.max(0, o.timeoutMs);
    let last = o.first;
    let interval = minMs;
    let needFetch = !last;
    for (;;) {
      o.signal?.throwIfAborted();
      if (needFetch) {
        try {
          const s = await this.api.getStatus(projectId, { signal: o.signal });
          const outcome = pollOutcome(last, s);
          last = s;
          o.onSnapshot?.(s, outcome !== 'unchanged');
          if (o.done(s)) return { snapshot: s, met: true };
          interval = nextInterval(interval, outcome, pace);
        } catch (err) {
          if (o.signal?.aborted) throw o.signal.reason;
          if (!(err instanceof ApiError && TRANSIENT.has(err.kind))) throw err;
          interval = nextInterval(interval, 'failed', pace);
        }
      }
      needFetch = true;
      const left = deadline - Date.now();
      if (left <= 0) return { snapshot: last, met: false };
      await sleep(Math.min(interval, left), undefined, { signal: o.signal }).catch((err) => {
        throw o.signal?.aborted ? o.signal.reason : err;
      });
    }
  }

  /** Follows a project to `completed` or `failed`; see WaitForProjectOptions. */
  async waitForProject(projectId: number, opts: WaitForProjectOptions = {}): Promise<ProjectStatusResponse> {
    const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
    const r = await this.poll(projectId, {
      timeoutMs,
      signal: opts.signal,
      intervals: opts.intervals,
      done: (s) => isTerminalStatus(s.status),
      onSnapshot: (s, changed) => {
        if (!changed || !opts.onProgress) return;
        try {
          opts.onProgress(s, progressMessage(s));
        } catch {
          // A listener's bug must not stop the wait.
        }
      },
    });
    if (!r.met || !r.snapshot) throw new WaitTimeoutError(projectId, r.snapshot, timeoutMs);
    return r.snapshot;
  }

  async waitForChange(projectId: number, opts: WaitOptions): Promise<WaitResult> {
    const since = opts.since ? fingerprint(opts.since) : undefined;
    const r = await this.poll(projectId, {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      first: opts.since,
      done: (s) => since === undefined || isTerminalStatus(s.status) || fingerprint(s) !== since,
      onSnapshot: (s) => opts.onSnapshot?.(s),
    });
    const snapshot = r.snapshot ?? (await this.api.getStatus(projectId, { signal: opts.signal }));
    return { snapshot, changed: since === undefined || fingerprint(snapshot) !== since };
  }

  touched(_projectId: number): void {}
}
