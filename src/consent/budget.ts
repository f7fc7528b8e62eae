/**
 * Credit budgets: an optional ceiling on what this server (or one session) may spend in a period,
 * counted in the state store so it holds across restarts and across every process sharing the store.
 *
 * Spending goes through a reservation taken before the call, so two concurrent calls cannot both
 * pass a limit that only fits one: the first holds its credits until it settles. Settle with
 * `commit()` when the spend happened, `unknown()` when it may have (it counts until settled), and
 * `release()` only when it clearly did not. Budgets nest: a child's reservation also holds the
 * credits on every ancestor, and settling applies to all of them.
 */
import { randomBytes } from 'node:crypto';
import { isAmount } from '../store/ledger.js';
import { MemoryStore } from '../store/memory.js';
import { type CreditPeriod, perPeriod } from '../store/period.js';
import { type SpendOutcome, type StateStore, type Usage, usedCredits } from '../store/types.js';

export interface CreditBudgetOptions {
  /** Ceiling in credits per period; `undefined` means unlimited (spends are still recorded). */
  limit?: number;
  /** How messages name this limit, e.g. "credit limit" or "session credit limit". */
  label?: string;
  /** How the person raises it, e.g. "TWIN_CREDIT_LIMIT / --credit-limit". */
  setting?: string;
  /** The period the limit covers, in UTC; default `lifetime`. */
  period?: CreditPeriod;
  /** Where spends are counted; default: a store of this budget's own, in memory. */
  store?: StateStore;
  /** The upstream account (`accountKey(token)`) the spends belong to. */
  account?: string;
}

/** What a spend is for, as the budget command lists it. */
export interface SpendInfo {
  action: string;
  project_id?: number;
  scene_number?: number;
  /** The project just before the spend (see `projectMark`), to settle an unknown outcome by. */
  before?: unknown;
}

export interface BudgetFailure {
  ok: false;
  message: string;
}
export type BudgetCheck = { ok: true } | BudgetFailure;

export interface Reservation {
  readonly ok: true;
  /** Names the reservation in the store (the budget command shows unsettled ones by it). */
  readonly id: string;
  /** Credits held. */
  readonly credits: number;
  /** True once committed, released or marked unknown. */
  readonly settled: boolean;
  /**
   * The spend happened: count it. `actualCredits` is what was charged if known; otherwise, or if
   * not a valid amount, the reserved figure counts. False (and nothing done) if already settled.
   */
  commit(actualCredits?: number): Promise<boolean>;
  /** The outcome is unknown (a lost answer): it counts as spent until a read settles it. */
  unknown(): Promise<boolean>;
  /** The spend clearly did not happen: free the credits. False (and nothing done) if already settled. */
  release(): Promise<boolean>;
}

export const DEFAULT_LIMIT_SETTING = 'TWIN_CREDIT_LIMIT / --credit-limit';

/** Reservations still held after this long are counted as unknown: their process died mid-spend. */
export const HOLD_MS = 15 * 60 * 1000;

const storeFailure = (err: unknown): BudgetFailure => ({
  ok: false,
  message: `${err instanceof Error ? err.message : String(err)}. Spending is refused until the state store is back (it is used again as soon as it answers; no restart needed). Nothing was spent; reads still work.`,
});

export class CreditBudget {
  readonly limit: number | undefined;
  readonly parent: CreditBudget | undefined;
  readonly label: string;
  readonly setting: string;
  readonly period: CreditPeriod;
  readonly store: StateStore;
  readonly account: string;

  constructor(opts: CreditBudgetOptions = {}, parent?: CreditBudget) {
    if (opts.limit !== undefined && !isAmount(opts.limit))
      throw new RangeError(`credit limit must be a non-negative number, got ${String(opts.limit)}`);
    this.limit = opts.limit;
    this.parent = parent;
    this.label = opts.label ?? (parent ? 'session credit limit' : 'credit limit');
    this.setting = opts.setting ?? parent?.setting ?? DEFAULT_LIMIT_SETTING;
    this.period = opts.period ?? 'lifetime';
    this.store = opts.store ?? new MemoryStore();
    this.account = opts.account ?? 'local';
  }

  /** What has been spent, held and left unsettled through this budget in its current period. */
  usage(): Promise<Usage> {
    return this.store.usage(this.account, this.period);
  }

  /** Credits that can still be reserved here, ancestors included; `undefined` when nothing limits it. */
  async remaining(): Promise<number | undefined> {
    let left: number | undefined;
    for (let b: CreditBudget | undefined = this; b; b = b.parent) {
      if (b.limit === undefined) continue;
      const own = Math.max(0, b.limit - usedCredits(await b.usage()));
      left = left === undefined ? own : Math.min(left, own);
    }
    return left;
  }

  /**
   * What the tightest limit leaves once `credits` are spent, as a sentence for quotes and consent
   * questions: "After this spend, 1700 of the 2000-credit daily limit are left." Undefined when unlimited.
   */
  async afterSpend(credits: number): Promise<string | undefined> {
    let tightest: { b: CreditBudget; left: number } | undefined;
    for (let b: CreditBudget | undefined = this; b; b = b.parent) {
      if (b.limit === undefined) continue;
      const left = Math.max(0, b.limit - usedCredits(await b.usage()) - credits);
      if (!tightest || left < tightest.left) tightest = { b, left };
    }
    if (!tightest) return undefined;
    const { b, left } = tightest;
    const per = b.period === 'lifetime' ? '' : ` per ${b.period} (UTC)`;
    return `After this spend, ${left} credits are left under the ${b.label} of ${b.limit}${per}.`;
  }

  /** Would `credits` fit now, here and in every ancestor? Reserves nothing. */
  async check(credits: number): Promise<BudgetCheck> {
    if (!isAmount(credits)) return invalid(credits);
    try {
      for (let b: CreditBudget | undefined = this; b; b = b.parent) {
        if (b.limit === undefined || credits === 0) continue;
        const u = await b.usage();
        if (usedCredits(u) + credits > b.limit) return b.#refusal(credits, u);
      }
    } catch (err) {
      return storeFailure(err);
    }
    return { ok: true };
  }

  /** Hold `credits` here and in every ancestor, or fail without holding anything. */
  async reserve(
    credits: number,
    what: SpendInfo = { action: 'spend' },
  ): Promise<Reservation | BudgetFailure> {
    if (!isAmount(credits)) return invalid(credits);
    const id = `s_${randomBytes(9).toString('base64url')}`;
    const held: CreditBudget[] = [];
    const undo = () => Promise.all(held.map((b) => b.#settle(id, 'released').catch(() => false)));
    try {
      for (let b: CreditBudget | undefined = this; b; b = b.parent) {
        const r = await b.store.reserve(b.account, {
          id,
          credits,
          limit: b.limit,
          period: b.period,
          holdMs: HOLD_MS,
          ...what,
        });
        if (!r.ok) {
          await undo();
          return b.#refusal(credits, r.usage);
        }
        held.push(b);
      }
    } catch (err) {
      await undo();
      return storeFailure(err);
    }
    let settled = false;
    const settle = async (outcome: SpendOutcome, actual?: number): Promise<boolean> => {
      if (settled) return false;
      settled = true;
      // A session's own count lives in this process, which no later reading settles: unknown counts as spent there.
      await Promise.all(
        held.map((b) => b.#settle(id, outcome === 'unknown' && b.parent ? 'spent' : outcome, actual)),
      );
      return true;
    };
    return {
      ok: true,
      id,
      credits,
      get settled() {
        return settled;
      },
      commit: (actualCredits?: number) => settle('spent', isAmount(actualCredits) ? actualCredits : credits),
      unknown: () => settle('unknown'),
      release: () => settle('released'),
    };
  }

  /** A nested budget (e.g. per session) whose reservations also hold credits here. */
  child(limit?: number, opts: Omit<CreditBudgetOptions, 'limit' | 'account'> = {}): CreditBudget {
    return new CreditBudget({ ...opts, limit, account: this.account }, this);
  }

  /** Settling is best effort: a store that fails here keeps the hold, which turns unknown and counts. */
  #settle(id: string, outcome: SpendOutcome, credits?: number): Promise<boolean> {
    return this.store.settle(this.account, id, outcome, credits).catch(() => false);
  }

  #refusal(credits: number, u: Usage): BudgetFailure {
    const limit = this.limit ?? 0;
    const left = Math.max(0, limit - usedCredits(u));
    const held = u.held > 0 ? `, ${u.held} more held by calls in progress` : '';
    const unsure =
      u.unsettled > 0
        ? `, ${u.unsettled} more in spends whose outcome is not known yet (counted until settled)`
        : '';
    const period = this.period === 'lifetime' ? '' : ` this ${this.period} (UTC)`;
    return {
      ok: false,
      message:
        `This needs ${credits} credits, but the ${this.label} is ${limit} credits${perPeriod(this.period)}: ` +
        `${u.spent} spent${period}${held}${unsure}, ${left} left. Nothing was spent. ` +
        `The person can raise the limit with ${this.setting}.`,
    };
  }
}

const invalid = (credits: unknown): BudgetFailure => ({
  ok: false,
  message: `Refused: ${String(credits)} is not a valid credit amount. Nothing was spent.`,
});
