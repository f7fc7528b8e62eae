/**
 * One watcher per project, shared by the whole process. Upstream sees one status poll loop per
 * followed project, whatever the number of followers (subscriptions, listen streams, get_status
 * waits): every follower shares the one in-flight request and the one schedule.
 * The interval policy is in poll-result.ts; replicas sharing a store poll once between them
 * (shared-polling.ts). Polling stops when nobody follows (the state lingers `lingerMs` so that a follower coming back
 * keeps the schedule instead of polling at once) or when the project ends (completed/failed;
 * `upscaling` is not an end). `touched()` polls a followed project at once and resets the interval.
 */
import { setMaxListeners } from 'node:events';
import type { SceneProjectsApi } from '../api/contract.js';
import { ApiError } from '../api/errors/index.js';
import { isTerminalStatus, type ProjectStatusResponse } from '../api/schemas.js';
import type { Logger } from '../log.js';
import { meaningfulChange, type ProjectChange } from './change.js';
import type { ProjectFollower, WaitOptions, WaitResult } from './follower.js';
import type { PollPace } from './pace.js';
import { afterFailure, afterSnapshot, endLine, FATAL_KINDS, type PollState } from './poll-result.js';
import type { PollShare } from './shared-polling.js';
import { DEFAULT_TIMING, type WatcherTiming } from './timing.js';

export interface WatcherOptions extends Partial<WatcherTiming> {
  api: Pick<SceneProjectsApi, 'getStatus'>;
  logger?: Logger;
  now?: () => number;
  /** Replicas sharing one store: one of them polls each project and hands its snapshots to the others. */
  share?: PollShare;
}

type Listener = (change: ProjectChange) => void;
type ErrorListener = (projectId: number, error: unknown) => void;

interface Entry extends PollState {
  id: number;
  refs: number;
  last?: ProjectStatusResponse;
  lastAt?: number;
  lastPollAt?: number;
  timer?: NodeJS.Timeout;
  lingerTimer?: NodeJS.Timeout;
  inflight?: Promise<void>;
  /** touched() while a poll was in flight: that poll's answer may predate the change, so poll again. */
  retouched?: boolean;
  polls: number;
  /** This replica holds the project's poll lease (shared polling). */
  leased?: boolean;
  /** Stops snapshots from other replicas (shared polling). */
  unlisten?: () => void;
}

export class ProjectWatcher implements ProjectFollower {
  readonly timing: WatcherTiming;
  private readonly api: Pick<SceneProjectsApi, 'getStatus'>;
  private readonly logger?: Logger;
  private readonly now: () => number;
  private readonly entries = new Map<number, Entry>();
  private readonly listeners = new Set<Listener>();
  private readonly errorListeners = new Set<ErrorListener>();
  /** Every pending wait listens here; many concurrent waits are normal, not a leak (each removes its listener). */
  private readonly abort = (() => {
    const c = new AbortController();
    setMaxListeners(0, c.signal);
    return c;
  })();
  private closed = false;
  private readonly pace: PollPace;
  private readonly share?: PollShare;

  constructor(opts: WatcherOptions) {
    this.api = opts.api;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.share = opts.share;
    const t = { ...DEFAULT_TIMING };
    for (const k of Object.keys(DEFAULT_TIMING) as (keyof WatcherTiming)[]) {
      const v = opts[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) t[k] = v;
    }
    t.maxIntervalMs = Math.max(t.maxIntervalMs, t.minIntervalMs);
    t.progressCapMs = Math.min(Math.max(t.progressCapMs, t.minIntervalMs), t.maxIntervalMs);
    this.timing = t;
    this.pace = {
      minMs: t.minIntervalMs,
      maxMs: t.maxIntervalMs,
      progressCapMs: t.progressCapMs,
      factor: t.backoff,
    };
  }

  /** Every change of any followed project (status, progress, step, scene, final URL). */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Failed polls (after the client's own retries). */
  onError(listener: ErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Follows a project until the returned function is called (idempotent). `seed` is a snapshot the
   * caller just read: it spares the immediate poll.
   */
  follow(projectId: number, seed?: ProjectStatusResponse): () => void {
    if (this.closed) return () => {};
    let entry = this.entries.get(projectId);
    const fresh = !entry;
    if (!entry) {
      entry = { id: projectId, refs: 0, interval: this.timing.minIntervalMs, ended: false, polls: 0 };
      this.entries.set(projectId, entry);
      const e = entry;
      e.unlisten = this.share?.listen(projectId, {
        snapshot: (s) => this.fromPeer(e, s),
        touch: () => this.touched(projectId, true),
      });
    }
    if (entry.lingerTimer) {
      clearTimeout(entry.lingerTimer);
      entry.lingerTimer = undefined;
    }
    entry.refs++;
    if (seed && seed.id === projectId && !entry.last) {
      entry.last = seed;
      entry.lastAt = this.now();
      entry.lastPollAt = entry.lastAt;
      entry.ended = isTerminalStatus(seed.status);
    }
    if (entry.refs === 1) {
      if (fresh) {
        if (!entry.last) this.pollNow(entry);
        else this.schedule(entry);
      } else {
        if (entry.ended) {
          // Someone new follows an ended project: confirm once (it may have been regenerated), in due time.
          entry.ended = false;
          entry.interval = this.timing.minIntervalMs;
        }
        this.schedule(entry);
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(projectId);
    };
  }

  /** Drops one reference taken by `follow` (prefer calling the function `follow` returned). */
  unfollow(projectId: number): void {
    this.release(projectId);
  }

  /** Something we did (approve, regenerate, upscale) changed the project: poll now if followed. */
  touched(projectId: number, byPeer = false): void {
    if (!byPeer) this.share?.touch(projectId); // another replica may be the one polling it
    const entry = this.entries.get(projectId);
    if (!entry) return;
    entry.interval = this.timing.minIntervalMs;
    entry.ended = false;
    if (entry.inflight) entry.retouched = true;
    else if (entry.refs > 0) this.pollNow(entry);
  }

  /** The latest snapshot seen for a project, with its age in ms. */
  latest(projectId: number): { snapshot: ProjectStatusResponse; ageMs: number } | undefined {
    const e = this.entries.get(projectId);
    if (!e?.last || e.lastAt === undefined) return undefined;
    return { snapshot: e.last, ageMs: this.now() - e.lastAt };
  }

  followers(projectId: number): number {
    return this.entries.get(projectId)?.refs ?? 0;
  }

  /** Whether a poll is scheduled or running for the project. */
  isPolling(projectId: number): boolean {
    const e = this.entries.get(projectId);
    return !!e && (!!e.timer || !!e.inflight);
  }

  /** The current interval for a project (ms), for diagnostics and tests. */
  intervalOf(projectId: number): number | undefined {
    return this.entries.get(projectId)?.interval;
  }

  followedProjects(): number[] {
    return [...this.entries.values()].filter((e) => e.refs > 0).map((e) => e.id);
  }

  async waitForChange(projectId: number, opts: WaitOptions): Promise<WaitResult> {
    const { signal, onSnapshot } = opts;
    const baseline = opts.since ?? this.entries.get(projectId)?.last;
    let latest = baseline;
    if (signal?.aborted || this.closed) {
      if (latest) return { snapshot: latest, changed: false, aborted: true };
      throw new Error('aborted');
    }

    return new Promise<WaitResult>((resolve, reject) => {
      let done = false;
      let heartbeat: NodeJS.Timeout | undefined;
      const release = this.follow(projectId, opts.since);
      const finish = (r: WaitResult | Error) => {
        if (done) return;
        done = true;
        clearTimeout(deadline);
        clearTimeout(heartbeat);
        offChange();
        offError();
        signal?.removeEventListener('abort', onAbort);
        this.abort.signal.removeEventListener('abort', onAbort);
        release();
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const beat = () => {
        clearTimeout(heartbeat);
        heartbeat = setTimeout(() => {
          if (latest) safe(() => onSnapshot?.(latest!));
          beat();
        }, this.timing.heartbeatMs);
        heartbeat.unref?.();
      };
      const result = (changed: boolean): WaitResult | Error =>
        latest
          ? { snapshot: latest, changed }
          : new Error(`No status could be read for project ${projectId}.`);
      const offChange = this.onSnapshotInternal(projectId, (snapshot) => {
        latest = snapshot;
        safe(() => onSnapshot?.(snapshot));
        beat();
        if (isTerminalStatus(snapshot.status) || meaningfulChange(baseline, snapshot)) {
          finish({ snapshot, changed: meaningfulChange(baseline, snapshot) });
        }
      });
      const offError = this.onError((id, err) => {
        if (id !== projectId) return;
        if (!latest && err instanceof ApiError && FATAL_KINDS.has(err.kind)) finish(err);
      });
      const onAbort = () =>
        finish(latest ? { snapshot: latest, changed: false, aborted: true } : new Error('aborted'));
      const deadline = setTimeout(() => finish(result(false)), Math.max(0, opts.timeoutMs));
      deadline.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      beat();
    });
  }

  /** Stops every loop and timer; pending waits end with what they have. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const e of this.entries.values()) {
      clearTimeout(e.timer);
      clearTimeout(e.lingerTimer);
      e.unlisten?.();
      if (e.leased) this.share?.release(e.id);
    }
    this.entries.clear();
    this.abort.abort(new Error('watcher closed'));
    this.listeners.clear();
  }

  // ---- internals ----

  private readonly snapshotListeners = new Map<number, Set<(s: ProjectStatusResponse) => void>>();

  /** Every fresh snapshot of one project (changed or not). */
  private onSnapshotInternal(projectId: number, fn: (s: ProjectStatusResponse) => void): () => void {
    let set = this.snapshotListeners.get(projectId);
    if (!set) {
      set = new Set();
      this.snapshotListeners.set(projectId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.snapshotListeners.delete(projectId);
    };
  }

  private release(projectId: number): void {
    const entry = this.entries.get(projectId);
    if (!entry || entry.refs === 0) return;
    entry.refs--;
    if (entry.refs > 0) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    // The lease is kept: a follower often comes straight back (get_status waits one change at a time);
    // unrenewed, it lapses within 1.5 intervals for a replica whose clients still follow.
    entry.lingerTimer = setTimeout(() => {
      if (entry.refs === 0 && this.entries.get(projectId) === entry) {
        entry.unlisten?.();
        if (entry.leased) this.share?.release(projectId);
        this.entries.delete(projectId);
      }
    }, this.timing.lingerMs);
    entry.lingerTimer.unref?.();
  }

  private schedule(entry: Entry): void {
    if (this.closed || entry.refs === 0 || entry.ended || entry.inflight) return;
    clearTimeout(entry.timer);
    const due = (entry.lastPollAt ?? 0) + entry.interval;
    const delay = Math.max(0, due - this.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.pollNow(entry);
    }, delay);
    entry.timer.unref?.();
  }

  private pollNow(entry: Entry): void {
    if (this.closed || entry.inflight) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.inflight = this.poll(entry).finally(() => {
      entry.inflight = undefined;
      if (entry.retouched) {
        entry.retouched = false;
        entry.ended = false;
        entry.interval = this.timing.minIntervalMs;
        if (entry.refs > 0) return this.pollNow(entry);
      }
      this.schedule(entry);
    });
  }

  private async poll(entry: Entry): Promise<void> {
    if (this.share) {
      entry.leased = await this.share.mayPoll(entry.id, entry.interval);
      if (!entry.leased) {
        // Another replica polls it and hands us its snapshots; look again in an interval.
        entry.lastPollAt = this.now();
        return;
      }
    }
    entry.polls++;
    let snapshot: ProjectStatusResponse;
    try {
      snapshot = await this.api.getStatus(entry.id, { signal: this.abort.signal });
    } catch (err) {
      entry.lastPollAt = this.now();
      if (this.closed) return;
      afterFailure(entry, err, this.timing, this.pace);
      this.logger?.debug('status poll failed', {
        project_id: entry.id,
        error: err instanceof Error ? err.message : String(err),
        next_poll_ms: entry.interval,
      });
      for (const l of this.errorListeners) safe(() => l(entry.id, err));
      return;
    }
    entry.lastPollAt = this.now();
    entry.fatalInARow = 0;
    if (this.closed) return;
    this.share?.publish(entry.id, snapshot);
    this.apply(entry, snapshot);
  }

  /** A snapshot another replica polled: taken as if this process had polled it. */
  private fromPeer(entry: Entry, snapshot: ProjectStatusResponse): void {
    if (this.closed || entry.refs === 0 || snapshot.id !== entry.id) return;
    entry.lastPollAt = this.now();
    this.apply(entry, snapshot, true);
    if (!entry.inflight) this.schedule(entry);
  }

  /** A fresh snapshot: the next interval, the end, and every listener. */
  private apply(entry: Entry, snapshot: ProjectStatusResponse, fromPeer = false): void {
    const now = this.now();
    const previous = entry.last;
    entry.last = snapshot;
    entry.lastAt = now;
    const { kinds, meaningful, ended } = afterSnapshot(entry, previous, snapshot, this.pace);
    const line = endLine(previous, snapshot, entry.id);
    if (line) this.logger?.info(...line);
    for (const fn of [...(this.snapshotListeners.get(entry.id) ?? [])]) safe(() => fn(snapshot));
    if (kinds.length) {
      const change: ProjectChange = { projectId: entry.id, previous, snapshot, kinds, meaningful, ended };
      if (fromPeer) change.fromPeer = true;
      for (const l of [...this.listeners]) safe(() => l(change));
    }
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not stop the loop or the other listeners.
  }
}
