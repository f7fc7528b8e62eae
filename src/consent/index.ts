/** Consent building blocks: scene fingerprints, sealed quotes, credit budgets, per-project locks. SDK-free. */
export {
  type BudgetCheck,
  type BudgetFailure,
  CreditBudget,
  type CreditBudgetOptions,
  DEFAULT_LIMIT_SETTING,
  HOLD_MS,
  type Reservation,
  type SpendInfo,
} from './budget.js';
export {
  accountKey,
  type LockStore,
  MemoryLockStore,
  ProjectBusyError,
  type ProjectLockOptions,
  withProjectLock,
} from './project-lock.js';
export {
  DEFAULT_QUOTE_TTL_MS,
  MAX_QUOTE_TOKEN_LENGTH,
  MIN_QUOTE_KEY_LENGTH,
  QUOTE_TOKEN_PREFIX,
  type Quote,
  type QuoteAction,
  type QuoteParams,
  type QuoteParamValue,
  QuoteSigner,
  type QuoteSignerOptions,
  type QuoteSubject,
  type RedeemFailureReason,
  type RedeemResult,
} from './quote.js';
export { type HashableScene, hashScenes } from './scenes-hash.js';
