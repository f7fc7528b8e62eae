/**
 * Concurrent identical reads share one upstream request: fifty agents asking for one project's
 * status at once cost the service one request, not fifty. A write to a project opens a new epoch,
 * before it is sent and again when it ends, so a read that starts after a write never joins a read
 * that may have begun before it: callers always see their own writes.
 */
export class ReadCoalescer {
  private readonly inflight = new Map<string, { epoch: number; promise: Promise<unknown> }>();
  private readonly epochs = new Map<number, number>();

  /** Marks a write to the project: later reads start afresh. */
  bump(projectId: number): void {
    this.epochs.set(projectId, (this.epochs.get(projectId) ?? 0) + 1);
  }

  /**
   * Runs `read` or joins an identical one in flight. The shared request is not tied to any one
   * caller's signal (it ends by itself, bounded by the client's timeouts); each caller's signal
   * ends only its own wait, through `onAbort`.
   */
  run<T>(
    key: string,
    projectId: number,
    signal: AbortSignal | undefined,
    read: () => Promise<T>,
    onAbort: () => Error,
  ): Promise<T> {
    const epoch = this.epochs.get(projectId) ?? 0;
    let entry = this.inflight.get(key);
    if (!entry || entry.epoch !== epoch) {
      const promise: Promise<unknown> = read().finally(() => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
      });
      entry = { epoch, promise };
      this.inflight.set(key, entry);
    }
    const shared = entry.promise as Promise<T>;
    if (!signal) return shared;
    if (signal.aborted) return Promise.reject(onAbort());
    return new Promise<T>((resolve, reject) => {
      const stop = () => reject(onAbort());
      signal.addEventListener('abort', stop, { once: true });
      shared.then(
        (v) => {
          signal.removeEventListener('abort', stop);
          resolve(v);
        },
        (e) => {
          signal.removeEventListener('abort', stop);
          reject(e);
        },
      );
    });
  }
}
