import { vi } from 'vitest';

/**
 * Waits until `cond` holds and fails naming `what`; never a fixed sleep. A state a few turns of the
 * event loop reach is seen at once; after that vi.waitFor checks every 5 ms (and moves fake timers
 * on when a test has installed them).
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  for (let i = 0; i < 100 && !vi.isFakeTimers(); i++) {
    if (await cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  await vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 5 },
  );
}
