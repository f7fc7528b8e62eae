/**
 * Progress that keeps a long call alive: hosts that reset their request timeout on progress (and
 * people watching a spinner) need a notification at least every 10 s, whether or not anything moved.
 */
/** Sends one progress notification (a tool context's `progress`); never throws. */
export type SendProgress = (progress: number, total: number | undefined, message: string) => Promise<void>;

/** Under the 10 s that hosts allow between progress notifications. */
export const HEARTBEAT_MS = 8000;

/**
 * Progress values must increase with every notification for one request: this keeps them so,
 * nudging a repeated value up by a hair while the message carries the real state.
 */
export class MonotonicProgress {
  private last = -1;

  constructor(private readonly send: SendProgress) {}

  report(progress: number, total: number | undefined, message: string): Promise<void> {
    const p = Math.max(progress, Math.round((this.last + 0.01) * 100) / 100);
    this.last = p;
    return this.send(total !== undefined ? Math.min(p, total) : p, total, message);
  }
}

/**
 * Runs `work` while sending a progress notification every `everyMs` (default 8 s) with `message`
 * and the seconds elapsed; for upstream calls that can take tens of seconds (creating a story).
 */
export async function withHeartbeat<T>(
  ctx: { progress: SendProgress },
  message: string,
  work: () => Promise<T>,
  everyMs = HEARTBEAT_MS,
): Promise<T> {
  const progress = new MonotonicProgress(ctx.progress);
  const started = Date.now();
  void progress.report(0, undefined, message);
  const timer = setInterval(() => {
    const s = Math.round((Date.now() - started) / 1000);
    void progress.report(s, undefined, `${message} (${s} s)`);
  }, everyMs);
  timer.unref?.();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
