/** The sandbox's credit account: what approve and regenerate reserve, and what tests read back. */
import type { Ledger, LedgerEntry } from './contract.js';

export class CreditLedger {
  private balance: number;
  private spent = 0;
  private readonly entries: LedgerEntry[] = [];

  constructor(
    balance: number,
    private readonly clock: () => number,
  ) {
    this.balance = balance;
  }

  available(): number {
    return this.balance;
  }

  canAfford(credits: number): boolean {
    return this.balance >= credits;
  }

  /** Callers check canAfford first: a refused request must leave the ledger untouched. */
  charge(entry: Omit<LedgerEntry, 'at'>): void {
    this.balance -= entry.credits;
    this.spent += entry.credits;
    this.entries.push({ at: new Date(this.clock()).toISOString(), ...entry });
  }

  setBalance(balance: number): void {
    this.balance = balance;
  }

  snapshot(): Ledger {
    return { balance: this.balance, spent: this.spent, entries: this.entries.map((e) => ({ ...e })) };
  }
}
