/**
 * The money state as plain data, and the pure operations on it. The memory store keeps one of these
 * in memory; the file store reads, changes and writes it under a file lock. Kept small: spent credits
 * are totalled per UTC day (62 days kept) and for all time, the recent list is capped, and expired
 * quote ids are pruned.
 */

import { type CreditPeriod, dayKey, oldestKeptDay, periodStart } from './period.js';
import type { TenantRecord } from './tenants.js';
import {
  type ReserveRequest,
  type ReserveResult,
  type SpendOutcome,
  type SpendRecord,
  STATE_FORMAT_VERSION,
  type Usage,
  usedCredits,
} from './types.js';

export interface AccountMoney {
  /** Used quote ids → expiry (ms). */
  quotes: Record<string, number>;
  /** Credits spent per UTC day (`YYYY-MM-DD`). */
  days: Record<string, number>;
  /** Credits spent in all time. */
  lifetime: number;
  /** Held and unknown reservations by id. */
  open: Record<string, SpendRecord>;
  /** Settled spends, newest last. */
  recent: SpendRecord[];
}

export interface StateData {
  version: typeof STATE_FORMAT_VERSION;
  accounts: Record<string, AccountMoney>;
  /** Leases (project locks, poll leases) for stores that keep them in the data. */
  locks: Record<string, { owner: string; until: number }>;
  /** Tenants of a hosted server by name (tenants.ts); absent until the first is added. */
  tenants?: Record<string, TenantRecord>;
}

export const RECENT_KEPT = 50;

export const emptyState = (): StateData => ({ version: STATE_FORMAT_VERSION, accounts: {}, locks: {} });

export function accountOf(data: StateData, account: string): AccountMoney {
  let a = data.accounts[account];
  if (!a) {
    a = { quotes: {}, days: {}, lifetime: 0, open: {}, recent: [] };
    data.accounts[account] = a;
  }
  return a;
}

/** Drops what has expired: used quote ids past their expiry, day totals too old to matter, old recents. */
export function prune(a: AccountMoney, now: number): void {
  for (const [id, exp] of Object.entries(a.quotes)) if (exp <= now) delete a.quotes[id];
  const oldest = oldestKeptDay(now);
  for (const day of Object.keys(a.days)) if (day < oldest) delete a.days[day];
  if (a.recent.length > RECENT_KEPT) a.recent.splice(0, a.recent.length - RECENT_KEPT);
  // A hold whose holder vanished (a crash mid-spend) may have spent: it counts until settled.
  for (const r of Object.values(a.open)) {
    if (r.state === 'held' && r.until !== undefined && r.until <= now) {
      r.state = 'unknown';
      delete r.until;
    }
  }
}

export function useQuote(a: AccountMoney, quoteId: string, expiresAt: number, now: number): boolean {
  prune(a, now);
  if (quoteId in a.quotes) return false;
  a.quotes[quoteId] = expiresAt;
  return true;
}

export function releaseQuote(a: AccountMoney, quoteId: string): boolean {
  if (!(quoteId in a.quotes)) return false;
  delete a.quotes[quoteId];
  return true;
}

export function usage(a: AccountMoney, period: CreditPeriod, now: number): Usage {
  prune(a, now);
  const since = periodStart(period, now);
  let spent = a.lifetime;
  if (period !== 'lifetime') {
    const first = dayKey(since);
    spent = Object.entries(a.days).reduce((sum, [day, c]) => (day >= first ? sum + c : sum), 0);
  }
  const open = Object.values(a.open).sort((x, y) => x.at - y.at);
  const sum = (state: SpendRecord['state']) =>
    open.filter((r) => r.state === state).reduce((s, r) => s + r.credits, 0);
  return {
    period,
    since,
    spent,
    held: sum('held'),
    unsettled: sum('unknown'),
    open: open.map((r) => ({ ...r })),
    recent: a.recent
      .slice()
      .reverse()
      .map((r) => ({ ...r })),
  };
}

export function reserve(a: AccountMoney, req: ReserveRequest, now: number): ReserveResult {
  const before = usage(a, req.period, now);
  const fits = req.limit === undefined || req.credits === 0 || usedCredits(before) + req.credits <= req.limit;
  if (req.id in a.open) throw new Error(`reservation ${req.id} exists already`);
  if (!fits) return { ok: false, usage: before };
  a.open[req.id] = heldRecord(req, now);
  return { ok: true, usage: usage(a, req.period, now) };
}

/** The record of a reservation just made, held until `holdMs` from now: the same in every store. */
export function heldRecord(req: ReserveRequest, now: number): SpendRecord {
  return {
    id: req.id,
    at: now,
    action: req.action,
    ...(req.project_id !== undefined && { project_id: req.project_id }),
    ...(req.scene_number !== undefined && { scene_number: req.scene_number }),
    ...(req.before !== undefined && { before: req.before }),
    credits: req.credits,
    state: 'held',
    until: now + req.holdMs,
  };
}

export function settle(
  a: AccountMoney,
  id: string,
  outcome: SpendOutcome,
  credits: number | undefined,
  now: number,
): boolean {
  const r = a.open[id];
  if (!r) return false;
  if (outcome === 'unknown') {
    if (r.state !== 'held') return r.state === 'unknown';
    r.state = 'unknown';
    delete r.until;
    return true;
  }
  delete a.open[id];
  const counted = isAmount(credits) ? credits : r.credits;
  if (outcome === 'spent') {
    const day = dayKey(r.at);
    a.days[day] = (a.days[day] ?? 0) + counted;
    a.lifetime += counted;
  }
  // Only spends are history worth showing; a release means the credits never moved.
  if (outcome === 'spent') {
    const { until: _, before: __, ...rest } = r;
    a.recent.push({ ...rest, credits: counted, state: outcome, settled_at: now });
  }
  prune(a, now);
  return true;
}

export const isAmount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
