/**
 * Credit budgets: an optional ceiling on what this server (or one session) may spend.
 *
 * Spending goes through a reservation taken before the call, so two concurrent calls cannot both
 * pass a limit that only fits one: the first holds its credits until it settles. Settle with
 * `commit()` when the spend happened *or may have happened* (a lost answer counts as spent), and
 * `release()` only when it clearly did not. Budgets nest: a child's reservation also holds the
 * credits on every ancestor, and settling applies to all of them.
 */

export interface CreditBudgetOptions {
  /** Ceiling in credits; `undefined` means unlimited. */
  limit?: number;
  /** How messages name this limit, e.g. "credit limit" or "session credit limit". */
  label?: string;
  /** How the person raises it, e.g. "TWIN_CREDIT_LIMIT / --credit-limit". */
  setting?: string;
}

export interface BudgetFailure {
  ok: false;
  message: string;
}
export type BudgetCheck = { ok: true } | BudgetFailure;

export interface Reservation {
  readonly ok: true;
  /** Credits held. */
  readonly credits: number;
  /** True once committed or released. */
  readonly settled: boolean;
  /**
   * The spend happened (or may have): count it as spent. `actualCredits` is what was charged if
   * known (e.g. `credits_charged`); otherwise, or if not a valid amount, the reserved figure counts.
   * Returns false (and does nothing) if already settled.
   */
  commit(actualCredits?: number): boolean;
  /** The spend clearly did not happen: free the credits. Returns false (and does nothing) if already settled. */
  release(): boolean;
}

export const DEFAULT_LIMIT_SETTING = 'TWIN_CREDIT_LIMIT / --credit-limit';

const isAmount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

export class CreditBudget {
  readonly limit: number | undefined;
  readonly parent: CreditBudget | undefined;
  readonly label: string;
  readonly setting: string;
  #spent = 0;
  #reserved = 0;

  constructor(opts: CreditBudgetOptions = {}, parent?: CreditBudget) {
    if (opts.limit !== undefined && !isAmount(opts.limit))
      throw new RangeError(`credit limit must be a non-negative number, got ${String(opts.limit)}`);
    this.limit = opts.limit;
    this.parent = parent;
    this.label = opts.label ?? (parent ? 'session credit limit' : 'credit limit');
    this.setting = opts.setting ?? parent?.setting ?? DEFAULT_LIMIT_SETTING;
  }

  /** Credits committed through this budget (a parent's includes its children's). */
  get spent(): number {
    return this.#spent;
  }

  /** Credits held by reservations not yet settled. */
  get reserved(): number {
    return this.#reserved;
  }

  /** Credits that can still be reserved here, ancestors included; `undefined` when nothing limits it. */
  get remaining(): number | undefined {
    const own = this.limit === undefined ? undefined : Math.max(0, this.limit - this.#spent - this.#reserved);
    const up = this.parent?.remaining;
    if (own === undefined) return up;
    return up === undefined ? own : Math.min(own, up);
  }

  /** Would `credits` fit now, here and in every ancestor? Reserves nothing. */
  check(credits: number): BudgetCheck {
    if (!isAmount(credits))
      return {
        ok: false,
        message: `Refused: ${String(credits)} is not a valid credit amount. Nothing was spent.`,
      };
    for (let b: CreditBudget | undefined = this; b; b = b.parent) {
      const failure = b.#checkOwn(credits);
      if (failure) return failure;
    }
    return { ok: true };
  }

  /** Hold `credits` here and in every ancestor, or fail without holding anything. */
  reserve(credits: number): Reservation | BudgetFailure {
    const verdict = this.check(credits);
    if (!verdict.ok) return verdict;
    const chain: CreditBudget[] = [];
    for (let b: CreditBudget | undefined = this; b; b = b.parent) chain.push(b);
    for (const b of chain) b.#reserved += credits;
    let settled = false;
    const settle = (spent: number | undefined): boolean => {
      if (settled) return false;
      settled = true;
      for (const b of chain) {
        b.#reserved -= credits;
        if (spent !== undefined) b.#spent += spent;
      }
      return true;
    };
    return {
      ok: true,
      credits,
      get settled() {
        return settled;
      },
      commit: (actualCredits?: number) => settle(isAmount(actualCredits) ? actualCredits : credits),
      release: () => settle(undefined),
    };
  }

  /** A nested budget (e.g. per session) whose reservations also hold credits here. */
  child(limit?: number, opts: Omit<CreditBudgetOptions, 'limit'> = {}): CreditBudget {
    return new CreditBudget({ ...opts, limit }, this);
  }

  #checkOwn(credits: number): BudgetFailure | undefined {
    if (this.limit === undefined) return undefined;
    const left = this.limit - this.#spent - this.#reserved;
    if (credits === 0 || credits <= left) return undefined;
    const held = this.#reserved > 0 ? `, ${this.#reserved} more held by calls in progress` : '';
    return {
      ok: false,
      message:
        `This needs ${credits} credits, but the ${this.label} is ${this.limit} credits: ` +
        `${this.#spent} spent${held}, ${Math.max(0, left)} left. Nothing was spent. ` +
        `The person can raise the limit with ${this.setting}.`,
    };
  }
}
