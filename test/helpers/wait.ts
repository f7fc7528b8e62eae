import { vi } from 'vitest';

/**
 * Waits until `cond` holds, checking every few milliseconds (never a fixed sleep), and fails naming
 * `what`. Built on vi.waitFor, which also moves fake timers on when a test has installed them.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await cond())) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 5 },
  );
}
