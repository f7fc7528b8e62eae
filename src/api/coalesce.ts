/**
 * Concurrent identical reads share one upstream request: fifty agents asking for one project's
 * status at once cost the service one request, not fifty. A write to a project retires its reads in
 * flight, before it is sent and again when it ends, so a read that starts after a write never joins
 * a read that may have begun before it: callers always see their own writes. Nothing is kept per
 * project once its reads end (no map grows with the number of projects).
 */
export class ReadCoalescer {
  /** Reads in flight, by key; a write to their project retires them (later reads start afresh). */
  private readonly inflight = new Map<string, { projectId: number; promise: Promise<unknown> }>();

  /** Marks a write to the project: later reads start afresh. */
  bump(projectId: number): void {
    for (const [key, entry] of this.inflight) if (entry.projectId === projectId) this.inflight.delete(key);
  }

  /**
   * Runs `read` or joins an identical one in flight. The shared request is not tied to any one
   * caller's signal (it ends by itself, bounded by the client's timeouts); each caller's signal
   * ends only its own wait, through `onAbort`. An already-aborted caller starts nothing.
   */
  run<T>(
    key: string,
    projectId: number,
    signal: AbortSignal | undefined,
    read: () => Promise<T>,
    onAbort: () => Error,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(onAbort());
    let entry = this.inflight.get(key);
    if (!entry) {
      const promise: Promise<unknown> = read().finally(() => {
        if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
      });
      entry = { projectId, promise };
      this.inflight.set(key, entry);
    }
    const shared = entry.promise as Promise<T>;
    if (!signal) return shared;
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
