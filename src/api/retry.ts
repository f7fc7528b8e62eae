/** Retry policy: exponential backoff with full jitter, Retry-After, and a total time budget. */
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts: number;
  /** Default 250 ms. */
  baseDelayMs: number;
  /** Cap on one backoff delay (before Retry-After). Default 8000 ms. */
  maxDelayMs: number;
  /** Budget for the whole call: time in requests plus time asleep. Default 30 000 ms. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  maxTotalMs: 30_000,
};

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Full jitter: `random() * min(maxDelay, base * 2^retryIndex)`, retryIndex 0 for the first retry. */
export function backoffDelay(retryIndex: number, policy: RetryPolicy, random: () => number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * cap);
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The default sleep: a timer that rejects with an AbortError when the signal fires. */
export const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);
