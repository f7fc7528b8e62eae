/**
 * One spend at a time per project, with its edits.
 *
 * A quote is checked against the project's scenes and then spent; an edit landing between the two
 * would be generated without the person having seen it. So the re-check, the upstream spend call and
 * every edit of that project through this server run under one short per-project lock. Edits made
 * outside this server cannot be held back: the gate re-checks the scenes after the spend and says so.
 *
 * The lock is a lease (owner + TTL) kept by the state store (src/store/): in memory for one process,
 * in the state file or Redis across processes and replicas. The TTL frees a lock whose holder died; the holder renews it while its work runs.
 */
import { randomBytes } from 'node:crypto';
import { type LockStore, projectLockKey } from '../store/locks.js';

export { accountKey, type LockStore, MemoryLockStore, projectLockKey } from '../store/locks.js';

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
