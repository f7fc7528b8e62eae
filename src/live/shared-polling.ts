/**
 * Replicas following one project share one poll loop. A lease per project (in the shared store) names
 * the replica that polls; it renews the lease on every poll and hands each snapshot to the others over
 * the store's events; the others skip their own upstream reads and take the snapshot as if they had
 * polled. A lease lasts 1.5 poll intervals, and every follower tries to take it on its own schedule,
 * so when its holder dies another replica polls within two intervals.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ProjectStatusResponse } from '../api/schemas.js';
import type { Logger } from '../log.js';
import { projectPollKey } from '../store/locks.js';
import type { StateStore, StoreEvents } from '../store/types.js';

export interface PeerHandlers {
  /** Another replica polled: its snapshot. */
  snapshot(s: ProjectStatusResponse): void;
  /** Another replica changed the project (a spend): whoever polls should poll now. */
  touch(): void;
}

export interface PollShare {
  /** Takes or renews this replica's lease on polling the project; false while another replica holds it. */
  mayPoll(projectId: number, intervalMs: number): Promise<boolean>;
  /** Hands a fresh snapshot to the other replicas. */
  publish(projectId: number, snapshot: ProjectStatusResponse): void;
  /** Tells the replica that polls to poll now. */
  touch(projectId: number): void;
  /** Snapshots and touches from other replicas; returns a function that stops them. */
  listen(projectId: number, on: PeerHandlers): () => void;
  /** Gives the lease up: nobody here follows the project any more. */
  release(projectId: number): void;
}

type Message = { from: string; t: 'snap'; s: ProjectStatusResponse } | { from: string; t: 'touch' };

/** How long a lease outlives the poll that renewed it. */
export const leaseMs = (intervalMs: number): number => Math.max(50, Math.round(intervalMs * 1.5));

/** A PollShare over a shared store; undefined for a store without events (memory, file: one process). */
export function storePollShare(store: StateStore, account: string, logger?: Logger): PollShare | undefined {
  const events = store.events;
  if (!events) return undefined;
  // Readable in the store for operators: which host and process polls a project.
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const channel = (id: number) => `poll:${account}:${id}`;
  const send = (id: number, m: Message) =>
    events.publish(channel(id), JSON.stringify(m)).catch((err: unknown) => {
      logger?.debug('sharing a poll with other replicas failed', { project_id: id, error: String(err) });
    });
  return {
    async mayPoll(id, intervalMs) {
      try {
        return await store.acquire(projectPollKey(account, id), owner, leaseMs(intervalMs));
      } catch {
        // The store is away: poll ourselves (reads must keep working), at worst once per replica.
        return true;
      }
    },
    publish: (id, s) => void send(id, { from: owner, t: 'snap', s }),
    touch: (id) => void send(id, { from: owner, t: 'touch' }),
    listen: (id, on) => subscribe(events, channel(id), owner, on),
    release(id) {
      store.release(projectPollKey(account, id), owner).catch(() => {});
    },
  };
}

function subscribe(events: StoreEvents, channel: string, self: string, on: PeerHandlers): () => void {
  const off = events
    .subscribe(channel, (raw) => {
      let m: Message;
      try {
        m = JSON.parse(raw) as Message;
      } catch {
        return;
      }
      if (m.from === self) return;
      if (m.t === 'snap' && m.s && typeof m.s === 'object') on.snapshot(m.s);
      else if (m.t === 'touch') on.touch();
    })
    .catch(() => undefined);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    void off.then((stop) => stop?.());
  };
}
