/** The `memory` store: one process's state, gone when it ends (the sandbox, tests, the demo). */
import * as ledger from './ledger.js';
import { MemoryLockStore } from './locks.js';
import type { CreditPeriod } from './period.js';
import { type TenantRecord, type TenantStore, tenantsOver } from './tenants.js';
import type { ReserveRequest, ReserveResult, SpendOutcome, StateStore, Usage } from './types.js';

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

export class MemoryStore extends MemoryLockStore implements StateStore {
  readonly kind = 'memory' as const;
  readonly where = 'memory of this process';
  readonly #data = ledger.emptyState();
  readonly #now: () => number;
  readonly tenants: TenantStore;

  constructor(opts: MemoryStoreOptions = {}) {
    const clock = opts.clock ?? Date.now;
    super(clock);
    const all = (): Record<string, TenantRecord> => {
      this.#data.tenants ??= {};
      return this.#data.tenants;
    };
    this.tenants = tenantsOver(
      async () => structuredClone(all()),
      async (fn) => fn(all()),
    );
    this.#now = () => {
      const t = clock();
      return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY; // a broken clock: everything expired
    };
  }

  /** Used quote ids not yet past their expiry (for tests and diagnostics). */
  quoteCount(account: string): number {
    const a = ledger.accountOf(this.#data, account);
    ledger.prune(a, this.#now());
    return Object.keys(a.quotes).length;
  }

  async useQuote(account: string, quoteId: string, expiresAt: number): Promise<boolean> {
    return ledger.useQuote(ledger.accountOf(this.#data, account), quoteId, expiresAt, this.#now());
  }

  async releaseQuote(account: string, quoteId: string): Promise<boolean> {
    return ledger.releaseQuote(ledger.accountOf(this.#data, account), quoteId);
  }

  async reserve(account: string, req: ReserveRequest): Promise<ReserveResult> {
    return ledger.reserve(ledger.accountOf(this.#data, account), req, this.#now());
  }

  async settle(account: string, id: string, outcome: SpendOutcome, credits?: number): Promise<boolean> {
    return ledger.settle(ledger.accountOf(this.#data, account), id, outcome, credits, this.#now());
  }

  async usage(account: string, period: CreditPeriod): Promise<Usage> {
    return ledger.usage(ledger.accountOf(this.#data, account), period, this.#now());
  }

  async close(): Promise<void> {}
}
