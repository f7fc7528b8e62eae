export {
  type ClientOptions,
  createApiClient,
  DEFAULT_BASE_URL,
  DEFAULT_USER_AGENT,
  type Logger,
  SceneProjectsClient,
} from './client.js';
export type { ApiErrorKind, CallOptions, SceneProjectsApi, SpendOutcome } from './contract.js';
export { ApiError, type ApiErrorInit, type FieldError, isApiError, type SceneRef } from './errors/index.js';
export { DEFAULT_TIMEOUTS, type Timeouts } from './http.js';
export { redact, sanitize } from './redact.js';
export { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, type Sleep } from './retry.js';
