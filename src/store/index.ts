/** The state store: the one place money and sharing facts live. Imports nothing above it. */
export { accountKey, type LockStore, MemoryLockStore, projectLockKey, projectPollKey } from './locks.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { CREDIT_PERIODS, type CreditPeriod, dayKey, periodStart, perPeriod } from './period.js';
export {
  type ReserveRequest,
  type ReserveResult,
  type SpendOutcome,
  type SpendRecord,
  type SpendState,
  STATE_FORMAT_VERSION,
  type StateStore,
  type StoreEvents,
  type StoreKind,
  StoreUnavailableError,
  type Usage,
  type UsedQuotes,
  usedCredits,
  usedQuotesOf,
} from './types.js';
