/**
 * The one interface every money and sharing fact goes through: quotes used, credits reserved and
 * spent, the per-project spend lock, and (for replicas) the watcher's poll leases, its snapshots and
 * change notifications. Implementations: `memory` (one process), `file` (processes on one machine),
 * `redis` (replicas). Every fact is keyed by the upstream account (`accountKey(token)`), never the token.
 *
 * A method that cannot reach its store throws `StoreUnavailableError`: callers spending money then
 * refuse (fail closed); readers carry on without it.
 */
import type { LockStore } from './locks.js';
import type { CreditPeriod } from './period.js';
import type { TenantStore } from './tenants.js';

/** Bumped when the stored shape changes; stores migrate older versions on read (see `migrate`). */
export const STATE_FORMAT_VERSION = 1;

/**
 * A reservation's life: `held` while its spend call runs; then `spent`, `released` (the service
 * provably did nothing), or `unknown` (the answer was lost): unknown counts as spent until settled.
 */
export type SpendState = 'held' | 'unknown' | 'spent' | 'released';
export type SpendOutcome = 'spent' | 'unknown' | 'released';

export interface SpendRecord {
  id: string;
  /** When the credits were reserved (ms since the epoch): the period it counts in. */
  at: number;
  /** What it was for. */
  action: string;
  project_id?: number;
  scene_number?: number;
  /** Reserved while open; what counted once spent. */
  credits: number;
  state: SpendState;
  /** A held record whose holder vanished (crash) turns `unknown` after this instant. */
  until?: number;
  /** Opaque to the store: the project as it was just before the spend, to settle an unknown outcome by. */
  before?: unknown;
  settled_at?: number;
}

export interface ReserveRequest {
  /** Chosen by the caller (unique): names the reservation in `settle`. */
  id: string;
  credits: number;
  /** The ceiling for `period`; undefined = unlimited (the spend is still recorded). */
  limit?: number;
  period: CreditPeriod;
  action: string;
  project_id?: number;
  scene_number?: number;
  /** How long the hold may stay `held` before it counts as `unknown` (its holder died). */
  holdMs: number;
  /** Kept with the record as is (JSON): see `SpendRecord.before`. */
  before?: unknown;
}

export interface Usage {
  period: CreditPeriod;
  /** When the period began (ms since the epoch; 0 for lifetime). */
  since: number;
  /** Credits settled as spent in the period. */
  spent: number;
  /** Credits held by spend calls in progress. */
  held: number;
  /** Credits of spends whose outcome is not known yet (they count until settled). */
  unsettled: number;
  /** Open reservations (held and unknown), oldest first. */
  open: SpendRecord[];
  /** Recent spends (settled as spent), newest first (a few dozen at most). */
  recent: SpendRecord[];
}

/** `used` is what counts against a limit: spent + held + unsettled. */
export const usedCredits = (u: Pick<Usage, 'spent' | 'held' | 'unsettled'>): number =>
  u.spent + u.held + u.unsettled;

export type ReserveResult = { ok: true; usage: Usage } | { ok: false; usage: Usage };

/** Cross-replica messages (snapshots, change notifications); optional for single-process stores. */
export interface StoreEvents {
  publish(channel: string, message: string): Promise<void>;
  /** Returns an idempotent unsubscribe. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
}

export type StoreKind = 'memory' | 'file' | 'redis';

export interface StateStore extends LockStore {
  readonly kind: StoreKind;
  /** Where the state lives, for messages and logs (a path, a host:port); never a secret. */
  readonly where: string;

  /** Marks a quote id used until `expiresAt` (ms). False if it already was: single use. */
  useQuote(account: string, quoteId: string, expiresAt: number): Promise<boolean>;
  /** Gives a used quote id back (the service provably did not act on its spend). */
  releaseQuote(account: string, quoteId: string): Promise<boolean>;

  /** Atomically: if `credits` fit under the limit in the period, record a held reservation. */
  reserve(account: string, req: ReserveRequest): Promise<ReserveResult>;
  /**
   * Settles an open reservation: from `held` to any outcome; from `unknown` to `spent` or
   * `released`. `credits` is what counts when spent (default: the reserved figure). False when the
   * reservation is not open (already settled elsewhere, or unknown id).
   */
  settle(account: string, id: string, outcome: SpendOutcome, credits?: number): Promise<boolean>;
  /** What has been spent in the period holding now, what is open, and the recent spends. */
  usage(account: string, period: CreditPeriod): Promise<Usage>;

  /**
   * The quote-signing key this store keeps (created on first use, readable by the user only), so a
   * quote issued by one process can be confirmed through the next. Omitted when the store keeps none
   * (memory: a per-process key; redis: share TWIN_QUOTE_KEY).
   */
  signingKey?(): Promise<Uint8Array>;

  /** The people a hosted server serves (`--http --tenants`); every store kind keeps them. */
  readonly tenants: TenantStore;

  /** Cross-replica snapshots and change notifications (redis); absent where one process is all. */
  events?: StoreEvents;
  /** Watcher poll leases use the LockStore methods on `projectPollKey(account, id)`. */

  close(): Promise<void>;
}

/** The store could not be read or written: nothing that needs it (spending) may go ahead. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    super(
      `The state store (${where}) cannot be used: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** The quote single-use set of one account, as the quote signer sees it. */
export interface UsedQuotes {
  use(quoteId: string, expiresAt: number): Promise<boolean>;
  release(quoteId: string): Promise<boolean>;
}

export const usedQuotesOf = (store: StateStore, account: string): UsedQuotes => ({
  use: (id, exp) => store.useQuote(account, id, exp),
  release: (id) => store.releaseQuote(account, id),
});
