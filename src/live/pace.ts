/**
 * How often to poll a generation: at once after a change, a little slower while only the progress
 * moves, slower and slower while nothing does, and twice as slow after a failure. One schedule for
 * the server's watcher and the library's waits.
 */
export interface PollPace {
  /** The interval after a meaningful change. */
  minMs: number;
  /** The slowest interval. */
  maxMs: number;
  /** The slowest interval while the progress still moves. */
  progressCapMs: number;
  /** Growth per poll that showed nothing new. */
  factor: number;
}

export const DEFAULT_PACE: PollPace = { minMs: 1000, maxMs: 15_000, progressCapMs: 5000, factor: 1.5 };

export type PollOutcome = 'changed' | 'progress' | 'unchanged' | 'failed';

export function nextInterval(current: number, outcome: PollOutcome, pace: PollPace): number {
  // Whole milliseconds: timers have no finer grain, and schedules stay exact to test.
  const grown = (factor: number, cap: number) =>
    Math.round(Math.max(pace.minMs, Math.min(current * factor, cap)));
  switch (outcome) {
    case 'changed':
      return pace.minMs;
    case 'progress':
      return grown(1.25, Math.min(pace.progressCapMs, pace.maxMs));
    case 'unchanged':
      return grown(pace.factor, pace.maxMs);
    case 'failed':
      return grown(2, pace.maxMs);
  }
}
