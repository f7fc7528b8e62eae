/** Credit periods, counted in UTC: a day starts at 00:00 UTC, a week on Monday, a month on the 1st. */

import type { CreditPeriod } from '../config-shape.js';

export { CREDIT_PERIODS, type CreditPeriod } from '../config-shape.js';

const DAY_MS = 24 * 3600 * 1000;

/** The UTC calendar day of an instant, as `YYYY-MM-DD` (the key spends are totalled under). */
export const dayKey = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** When the period holding `now` began (ms since the epoch); 0 for `lifetime`. */
export function periodStart(period: CreditPeriod, now: number): number {
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'day':
      return midnight;
    case 'week':
      return midnight - ((d.getUTCDay() + 6) % 7) * DAY_MS; // Monday = 0
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'lifetime':
      return 0;
  }
}

/** How a limit's period reads in a sentence: "500 credits a day"; empty for lifetime. */
export const perPeriod = (period: CreditPeriod): string => (period === 'lifetime' ? '' : ` a ${period}`);

/** Days of totals kept: enough for the longest period (a month) with room to spare. */
export const KEPT_DAYS = 62;
export const oldestKeptDay = (now: number): string => dayKey(now - KEPT_DAYS * DAY_MS);
