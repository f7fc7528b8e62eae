/**
 * Leases on names (owner + TTL): the per-project spend lock, and for replicas the watcher's poll
 * lease. Every key names the upstream account it belongs to (see `projectLockKey`).
 */
import { createHash } from 'node:crypto';

export interface LockStore {
  /** Take `key` for `owner` for `ttlMs`, unless another owner holds it unexpired. Resolves true if taken. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extend `owner`'s hold by `ttlMs` from now; false if `owner` no longer holds `key`. */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Free `key` if `owner` still holds it; otherwise do nothing. */
  release(key: string, owner: string): Promise<void>;
  /**
   * Optional: resolves when `key` may have been freed, or after `ms` at the latest. A store that
   * cannot tell omits it, and waiters look again after a short pause.
   */
  released?(key: string, ms: number): Promise<void>;
}

/** The part of every key naming the upstream account, without its token. */
export const accountKey = (token: string | undefined): string =>
  createHash('sha256')
    .update(`scene-projects-mcp/account\n${token ?? ''}`)
    .digest('hex')
    .slice(0, 16);

/** The spend/edit lock of one project. */
export const projectLockKey = (account: string, projectId: number): string =>
  `${account}:project:${projectId}:lock`;

/** The lease of the replica that polls one followed project (for shared stores). */
export const projectPollKey = (account: string, projectId: number): string =>
  `${account}:project:${projectId}:poll`;

/** One process's locks. Expired holds count as free, so it behaves as a shared store would. */
export class MemoryLockStore implements LockStore {
  readonly #held = new Map<string, { owner: string; until: number }>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Locks held and unexpired (for tests and diagnostics). */
  get size(): number {
    const now = this.#clock();
    return [...this.#held.values()].filter((h) => h.until > now).length;
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock();
    const h = this.#held.get(key);
    if (h && h.until > now && h.owner !== owner) return false;
    this.#held.set(key, { owner, until: now + ttlMs });
    return true;
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const h = this.#held.get(key);
    if (!h || h.owner !== owner) return false;
    h.until = this.#clock() + ttlMs;
    return true;
  }

  async release(key: string, owner: string): Promise<void> {
    if (this.#held.get(key)?.owner !== owner) return;
    this.#held.delete(key);
    const waiting = this.#waiters.get(key);
    this.#waiters.delete(key);
    for (const wake of waiting ?? []) wake();
  }

  released(key: string, ms: number): Promise<void> {
    const h = this.#held.get(key);
    // An expired hold frees itself without a release: wake when it expires.
    const until = h ? Math.max(0, Math.min(ms, h.until - this.#clock())) : 0;
    return new Promise((resolve) => {
      const set = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, until);
      set.add(wake);
    });
  }
}
