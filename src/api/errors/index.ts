/** The client's errors: the `ApiError` type and the builders that make one from each kind of failure. */
export {
  ApiError,
  type ApiErrorInit,
  baseInit,
  type FieldError,
  isApiError,
  type OpContext,
  type Operation,
  type SceneRef,
} from './api-error.js';
export { isZodError, notConfigured, validationFromZod } from './before-sending.js';
export { type HttpErrorExtra, httpError, unexpectedAnswer } from './by-status.js';
export { createStoryLost, type LostFacts, spendNotShown, spendUndetermined } from './lost-answer.js';
export { capFirst, describeOp, sceneLabel } from './messages.js';
export { abortedError, networkError, reasonWords } from './no-answer.js';
export {
  isStateDetail,
  type ParsedDetail,
  parseCredits,
  parseDetail,
  statusFromDetail,
} from './upstream-detail.js';
