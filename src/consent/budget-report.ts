/**
 * `scene-projects-mcp budget`: what the credit limit has counted, read from the state store every
 * server process of this account shares (spent in the period, what is left, unsettled spends, and
 * the recent spends). It reads only: nothing is changed.
 */
import type { Config } from '../config-shape.js';
import { accountKey } from '../store/locks.js';
import { openStore } from '../store/open.js';
import type { SpendRecord, Usage } from '../store/types.js';
import { usedCredits } from '../store/types.js';

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function row(r: SpendRecord): string {
  const what = r.project_id === undefined ? '' : `project ${r.project_id}`;
  const scene = r.scene_number === undefined ? '' : ` scene ${r.scene_number}`;
  return `  ${when(r.at)}  ${`${what}${scene}`.padEnd(22)}${r.action.padEnd(18)}${String(r.credits).padStart(7)} credits`;
}

const PERIOD_NAME = { day: 'today', week: 'this week', month: 'this month', lifetime: 'in all' } as const;

/** The report as text. Pure: `usage` as the store gave it. */
export function budgetReport(u: Usage, o: { limit?: number; where: string; recent?: number }): string {
  const since = u.period === 'lifetime' ? '' : ` (since ${when(u.since)})`;
  const lines = [
    `Credit limit: ${o.limit === undefined ? 'none' : `${o.limit} credits${u.period === 'lifetime' ? '' : ` per ${u.period}, in UTC`}`}`,
    `State: ${o.where}`,
    '',
    `Spent ${PERIOD_NAME[u.period]}${since}: ${u.spent} credits`,
    `Unsettled (outcome not known yet; counted until settled): ${u.unsettled} credits`,
    ...(u.held ? [`Held by spends in progress: ${u.held} credits`] : []),
    `Left: ${o.limit === undefined ? 'no limit' : `${Math.max(0, o.limit - usedCredits(u))} credits`}`,
  ];
  const open = u.open.filter((r) => r.state === 'unknown' || r.state === 'held');
  if (open.length) {
    lines.push('', 'Unsettled spends (settled by the next reading of the project):', ...open.map(row));
  }
  const recent = u.recent.slice(0, o.recent ?? 20);
  lines.push('', recent.length ? 'Recent spends:' : 'No spends recorded yet.', ...recent.map(row));
  return lines.join('\n');
}

/** Prints the report for the account of TWIN_API_TOKEN; returns the exit code. */
export async function runBudgetCommand(config: Config, write: (text: string) => void): Promise<number> {
  const store = await openStore(config.store);
  try {
    const u = await store.usage(accountKey(config.api.token), config.consent.creditPeriod);
    const note =
      store.kind === 'memory'
        ? '\n\nThe memory store keeps nothing between runs: servers using it (the default with --sandbox) count only while they run.'
        : '';
    write(`${budgetReport(u, { limit: config.consent.creditLimit, where: store.where })}${note}\n`);
    return 0;
  } catch (err) {
    write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
