/**
 * The 2025-era HTTP sessions of one server, as a pool: at most `max` at once, each closed after
 * `idleMs` with no request or stream in flight. A full pool makes room by closing the session idle
 * the longest, so clients that open a session per call and never close it (scripts, the Inspector's
 * CLI mode) are not refused; only a pool whose every session is busy refuses. Nothing here knows
 * HTTP: a member is anything with an id and a close().
 */
export interface PoolMember {
  readonly id: string;
  close(): Promise<void>;
}

interface Slot {
  /** Requests and streams in flight. */
  busy: number;
  lastSeen: number;
  /** Its initialize succeeded: it can be found by id. */
  ready: boolean;
}

export interface SessionPoolOptions<S extends PoolMember> {
  max: number;
  idleMs: number;
  now?: () => number;
  /** Told after a member left the pool (before its close() settles), with the number still open. */
  onDropped?: (member: S, why: string, open: number) => void;
}

export class SessionPool<S extends PoolMember> {
  /** Every member not yet dropped, including those still in their initialize exchange. */
  private readonly slots = new Map<S, Slot>();
  private readonly byId = new Map<string, S>();
  private readonly now: () => number;

  constructor(private readonly opts: SessionPoolOptions<S>) {
    this.now = opts.now ?? Date.now;
  }

  /** Sessions whose initialize succeeded (what /healthz reports). */
  get sessions(): number {
    return this.byId.size;
  }

  /**
   * Takes in a new member built by `create`, first closing the longest-idle member when the pool is
   * full. Undefined (and `create` not called) when every member is busy. The new member starts busy
   * with its initialize: call the returned `done` when that exchange ends.
   */
  open(create: () => S): { member: S; done: () => void } | undefined {
    if (this.slots.size >= this.opts.max && !this.evictOldestIdle()) return undefined;
    const member = create();
    this.slots.set(member, { busy: 0, lastSeen: this.now(), ready: false });
    return { member, done: this.begin(member) };
  }

  /** The member's initialize succeeded: from now on `get(id)` finds it. */
  ready(member: S): void {
    const slot = this.slots.get(member);
    if (!slot) return;
    slot.ready = true;
    this.byId.set(member.id, member);
  }

  get(id: string): S | undefined {
    return this.byId.get(id);
  }

  has(member: S): boolean {
    return this.slots.has(member);
  }

  isReady(member: S): boolean {
    return this.slots.get(member)?.ready ?? false;
  }

  /** A request or stream starts on the member; call the returned function (once or more) when it ends. */
  begin(member: S): () => void {
    const slot = this.slots.get(member);
    if (!slot) return () => {};
    slot.busy++;
    slot.lastSeen = this.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      slot.busy--;
      slot.lastSeen = this.now();
    };
  }

  /** Removes the member at once (its slot is free on return) and closes it. */
  async drop(member: S, why: string): Promise<void> {
    if (!this.slots.delete(member)) return;
    if (this.byId.get(member.id) === member) this.byId.delete(member.id);
    this.opts.onDropped?.(member, why, this.slots.size);
    await member.close().catch(() => {});
  }

  /** Drops every member idle for `idleMs` or longer. */
  sweep(): void {
    const now = this.now();
    for (const [member, slot] of this.slots) {
      if (slot.busy === 0 && now - slot.lastSeen >= this.opts.idleMs) void this.drop(member, 'idle');
    }
  }

  async closeAll(why: string): Promise<void> {
    await Promise.allSettled([...this.slots.keys()].map((m) => this.drop(m, why)));
  }

  private evictOldestIdle(): boolean {
    let oldest: S | undefined;
    let oldestSeen = Number.POSITIVE_INFINITY;
    for (const [member, slot] of this.slots) {
      if (slot.busy === 0 && slot.lastSeen < oldestSeen) {
        oldest = member;
        oldestSeen = slot.lastSeen;
      }
    }
    if (!oldest) return false;
    void this.drop(oldest, `idle the longest, closed to make room for a new session (${this.opts.max} open)`);
    return true;
  }
}
