/** Failures without an answer from the service: cancelled, closed, or the network failed. */
import type { Timeouts, TransportError } from '../http.js';
import { ApiError, baseInit, type OpContext } from './api-error.js';
import { describeOp } from './messages.js';

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Plain words for a transport failure, e.g. "the connection was refused". */
export function reasonWords(e: TransportError, timeouts: Timeouts): string {
  switch (e.reason) {
    case 'refused':
      return 'the connection was refused';
    case 'dns':
      return 'the host name could not be resolved';
    case 'connect_timeout':
      return `no connection within ${seconds(timeouts.connectMs)} s`;
    case 'unreachable':
      return 'the host is unreachable';
    case 'tls':
      return 'the TLS handshake failed';
    case 'headers_timeout':
      return `no answer within ${seconds(timeouts.headersMs)} s`;
    case 'body_timeout':
      return 'the answer stalled part-way';
    case 'reset':
      return 'the connection was reset';
    case 'socket':
      return 'the connection closed unexpectedly';
    case 'too_large':
      return 'the answer was too large';
    case 'aborted':
      return 'the call was cancelled';
    case 'closed':
      return 'the client was closed';
    case 'invalid':
      return 'the request could not be built';
    default:
      return `a network error (${e.code ?? 'unknown'})`;
  }
}

export function abortedError(ctx: OpContext): ApiError {
  return new ApiError({
    kind: 'unavailable',
    message: `The call was cancelled while ${describeOp(ctx.op)}.`,
    hint: 'Nothing more will be sent for this call; call again if still needed.',
    aborted: true,
    ...baseInit(ctx),
  });
}

/** The service could not be reached, or stopped answering; `baseUrl` is shown as given (already safe to show). */
export function networkError(
  ctx: OpContext,
  e: TransportError,
  why: string,
  attempts: number,
  baseUrl: string,
): ApiError {
  if (e.reason === 'closed') {
    return new ApiError({
      kind: 'unavailable',
      message: `The API client has been closed; ${describeOp(ctx.op)} was not sent.`,
      hint: 'Create a new client.',
      ...baseInit(ctx),
    });
  }
  const after = attempts > 1 ? ` after ${attempts} attempts` : '';
  const notSent = e.phase !== 'sent' ? ' Nothing was sent, so nothing was done.' : '';
  const createNote =
    ctx.op === 'create_story' && e.phase === 'sent'
      ? ' Call list_projects to see whether the story was created before creating it again.'
      : '';
  return new ApiError({
    kind: 'unavailable',
    message: `Could not reach the Scene Projects API at ${baseUrl} while ${describeOp(ctx.op)}: ${why}${after}.${notSent}${createNote}`,
    hint:
      e.reason === 'refused' || e.reason === 'dns' || e.reason === 'unreachable'
        ? 'Check the network and the API base URL, then try again.'
        : 'The service may be slow or down; try again in a minute.',
    ...baseInit(ctx),
  });
}
