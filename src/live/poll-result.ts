/**
 * What one status poll means for a project's schedule. Interval policy (defaults; every bound is configurable):
 * - a new step, a scene that moved on, a new status or a final URL: next poll after `minIntervalMs` (1 s);
 * - progress moved but nothing else: the interval grows by 1.25× up to `progressCapMs` (5 s);
 * - nothing moved: it grows by 1.5× up to `maxIntervalMs` (15 s);
 * - rate limited: at least the Retry-After the upstream asked for (else twice the interval);
 * - another failure: twice the interval, up to `maxIntervalMs`.
 */
import { ApiError } from '../api/errors/index.js';
import { isTerminalStatus, type ProjectStatusResponse } from '../api/schemas.js';
import { type ChangeKind, changeKinds, meaningfulChange } from './change.js';
import { nextInterval, type PollPace } from './pace.js';
import type { WatcherTiming } from './timing.js';

export interface PollState {
  interval: number;
  /** Fatal errors in a row (not found, unauthorized…): after a few, polling stops like at an end. */
  fatalInARow?: number;
  ended: boolean;
}

/** Errors after which polling that project makes no sense. */
export const FATAL_KINDS = new Set(['not_found', 'unauthorized', 'not_configured', 'validation']);
/** A deleted or forbidden project is given up after this many such answers in a row (a blip is not). */
const FATAL_LIMIT = 3;

/** A failed poll: Retry-After when rate limited, the slowest pace (then stop) when fatal, else back off. */
export function afterFailure(s: PollState, err: unknown, t: WatcherTiming, pace: PollPace): void {
  if (err instanceof ApiError && err.kind === 'rate_limited') {
    const ra = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : s.interval * 2;
    s.interval = Math.min(Math.max(ra, t.minIntervalMs), t.maxRetryAfterMs);
  } else if (err instanceof ApiError && FATAL_KINDS.has(err.kind)) {
    s.interval = t.maxIntervalMs;
    s.fatalInARow = (s.fatalInARow ?? 0) + 1;
    // Following a project that is gone must not cost a request every interval for as long as
    // a connection stays open; touched() or a new follower tries again.
    if (s.fatalInARow >= FATAL_LIMIT) s.ended = true;
  } else {
    s.interval = nextInterval(s.interval, 'failed', pace);
  }
}

/** A fresh snapshot: what changed, the next interval, and whether the project ended. */
export function afterSnapshot(
  s: PollState,
  previous: ProjectStatusResponse | undefined,
  snapshot: ProjectStatusResponse,
  pace: PollPace,
): { kinds: ChangeKind[]; meaningful: boolean; ended: boolean } {
  const kinds = changeKinds(previous, snapshot);
  const meaningful = meaningfulChange(previous, snapshot);
  const ended = isTerminalStatus(snapshot.status);
  const outcome = meaningful ? 'changed' : kinds.includes('progress') ? 'progress' : 'unchanged';
  s.interval = nextInterval(s.interval, outcome, pace);
  if (ended) s.ended = true;
  return { kinds, meaningful, ended };
}

/** The log line of a generation that just ended, or undefined. */
export function endLine(
  previous: ProjectStatusResponse | undefined,
  snapshot: ProjectStatusResponse,
  projectId: number,
): [string, Record<string, unknown>] | undefined {
  if (!isTerminalStatus(snapshot.status) || !previous || isTerminalStatus(previous.status)) return undefined;
  const data: Record<string, unknown> = { project_id: projectId };
  if (snapshot.final_video_url) data.final_video_url = snapshot.final_video_url;
  if (snapshot.error) data.error = snapshot.error;
  return [`generation ${snapshot.status === 'completed' ? 'completed' : 'failed'}`, data];
}
