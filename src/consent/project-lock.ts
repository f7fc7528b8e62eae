/**
 * One spend at a time per project, with its edits.
 *
 * A quote is checked against the project's scenes and then spent; an edit landing between the two
 * would be generated without the person having seen it. So the re-check, the upstream spend call and
 * every edit of that project through this server run under one short per-project lock. Edits made
 * outside this server cannot be held back: the gate re-checks the scenes after the spend and says so.
 *
 * The lock is a lease (owner + TTL) behind `LockStore`: this in-memory store serves one process; a
 * shared store (Redis `SET NX PX`, a state file) implements the same three calls to hold it across
 * replicas. The TTL frees a lock whose holder died; the holder renews it while its work runs.
 */
import { createHash, randomBytes } from 'node:crypto';

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

export interface ProjectLockOptions {
  /** How long a caller waits for the project before being refused. Default 30 s. */
  waitMs?: number;
  /** Lease length; renewed every third of it while the work runs. Default 60 s. */
  ttlMs?: number;
  /** Ends the wait (not the work once it holds the lock). */
  signal?: AbortSignal;
  /** What wants the project, for the refusal: e.g. "update_scene". */
  what?: string;
}

export const DEFAULT_LOCK_WAIT_MS = 30_000;
export const DEFAULT_LOCK_TTL_MS = 60_000;

/** The project stayed busy for the whole wait: nothing was changed or spent by this call. */
export class ProjectBusyError extends Error {
  override readonly name = 'ProjectBusyError';
  constructor(
    readonly projectId: number,
    waitedMs: number,
    what?: string,
  ) {
    super(
      `Project ${projectId} is busy: another spend or edit of it is in progress on this server, and it did not finish within ${Math.round(waitedMs / 1000)} s. ${what ? `${what} did nothing` : 'Nothing was changed or spent'}. Call get_status to see where it is, then try again.`,
    );
  }
}

/** The part of every lock key naming the upstream account, without its token. */
export const accountKey = (token: string | undefined): string =>
  createHash('sha256')
    .update(`scene-projects-mcp/account\n${token ?? ''}`)
    .digest('hex')
    .slice(0, 16);

export const projectLockKey = (account: string, projectId: number): string =>
  `${account}:project:${projectId}:lock`;

/**
 * Runs `fn` while holding the project's lock; waits for it (bounded) if another spend or edit holds
 * it, then refuses with `ProjectBusyError`. The lock is always released, whatever `fn` does.
 */
export async function withProjectLock<T>(
  store: LockStore,
  account: string,
  projectId: number,
  fn: () => Promise<T>,
  opts: ProjectLockOptions = {},
): Promise<T> {
  const { waitMs = DEFAULT_LOCK_WAIT_MS, ttlMs = DEFAULT_LOCK_TTL_MS, signal } = opts;
  const key = projectLockKey(account, projectId);
  const owner = randomBytes(12).toString('base64url');
  const deadline = Date.now() + waitMs;
  let pause = 10;
  while (!(await store.acquire(key, owner, ttlMs))) {
    signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) throw new ProjectBusyError(projectId, waitMs, opts.what);
    const freed = store.released
      ? store.released(key, left)
      : new Promise<void>((r) => setTimeout(r, Math.min(pause, left)));
    pause = Math.min(pause * 2, 250);
    await untilAborted(freed, signal);
  }
  const renewal = setInterval(
    () => {
      store.renew(key, owner, ttlMs).catch(() => {});
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  renewal.unref?.();
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await store.release(key, owner).catch(() => {});
  }
}

/** Resolves with `p`, or as soon as `signal` aborts (the loop then throws its reason). */
function untilAborted(p: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return p;
  return new Promise((resolve) => {
    const stop = () => resolve();
    signal.addEventListener('abort', stop, { once: true });
    p.then(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}

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
