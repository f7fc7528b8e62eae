/** A non-2xx answer becomes an `ApiError`: one builder per status family, in the service's words where it gave some. */
import type { Secrets } from '../redact.js';
import { ApiError, type ApiErrorInit, baseInit, type OpContext, type Operation } from './api-error.js';
import { describeOp, notFoundMessage, retryText, sceneLabel, wrongStateMessage } from './messages.js';
import {
  isStateDetail,
  type ParsedDetail,
  parseCredits,
  parseDetail,
  statusFromDetail,
} from './upstream-detail.js';

export interface HttpErrorExtra {
  retryAfterSeconds?: number;
  /** Attempts made, if more than one. */
  attempts?: number;
  /** The project's current status, if known (for wrong-state messages). */
  projectStatus?: string;
}

/** What every builder gets: the call, the answer's status and detail, and what the retries learned. */
interface Answer {
  ctx: OpContext;
  status: number;
  detail: ParsedDetail;
  /** ` The service said: "…".` or empty. */
  quoted: string;
  extra: HttpErrorExtra;
  base: Pick<ApiErrorInit, 'projectId' | 'sceneRef' | 'personId' | 'operation' | 'status'>;
}

const STATE_OPS: readonly Operation[] = ['approve', 'update_scene', 'upscale', 'regenerate'];

const attemptsText = (extra: HttpErrorExtra) =>
  extra.attempts && extra.attempts > 1 ? ` after ${extra.attempts} attempts` : '';

const retryAfter = (extra: HttpErrorExtra) =>
  extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {};

function unauthorized(a: Answer): ApiError {
  return new ApiError({
    kind: 'unauthorized',
    message: `The API token was rejected (401 Unauthorized) while ${describeOp(a.ctx.op)}.`,
    hint: 'Check TWIN_API_TOKEN: it must be a valid API token of your twin.actor account. Or run with --sandbox to try without an account.',
    ...a.base,
  });
}

function forbidden(a: Answer): ApiError {
  const { ctx } = a;
  const credits = parseCredits(a.detail.text);
  const aboutCredits = !!credits || /credit/i.test(a.detail.text ?? '');
  const parts = credits
    ? [
        credits.required !== undefined ? `${credits.required} required` : '',
        credits.available !== undefined ? `${credits.available} available` : '',
      ].filter(Boolean)
    : [];
  const figures = parts.length ? `: ${parts.join(', ')}` : '';
  const target =
    ctx.op === 'regenerate'
      ? `to regenerate ${sceneLabel(ctx)} of project ${ctx.projectId}`
      : ctx.projectId !== undefined
        ? `for project ${ctx.projectId}`
        : 'for this request';
  return new ApiError({
    kind: 'insufficient_credits',
    message: aboutCredits
      ? `Not enough credits ${target}${figures}. Nothing was charged.`
      : `The service refused ${describeOp(ctx.op)} (403 Forbidden).${a.quoted} Nothing was charged.`,
    hint: aboutCredits
      ? 'Add credits to the account (or choose fewer scenes), then try again.'
      : 'Check the account: the token may lack access, or the account may be out of credits.',
    ...(credits ? { credits } : {}),
    ...a.base,
  });
}

function rateLimited(a: Answer): ApiError {
  const when = retryText(a.extra.retryAfterSeconds, 'in a little while');
  const nothing = a.ctx.method === 'POST' ? ' Nothing was done.' : '';
  return new ApiError({
    kind: 'rate_limited',
    message: `The service is rate limiting requests (429) while ${describeOp(a.ctx.op)}${attemptsText(a.extra)}.${nothing} Try again ${when}.`,
    hint: 'Other calls are refused the same way until then.',
    ...retryAfter(a.extra),
    ...a.base,
  });
}

function serverFailure(a: Answer): ApiError {
  const { ctx, status } = a;
  const isPost = ctx.method === 'POST';
  const when = retryText(a.extra.retryAfterSeconds, 'in a minute');
  const done =
    isPost && ctx.op === 'create_story' && (status === 502 || status === 504)
      ? ' The story may or may not have been created: call list_projects before creating it again.'
      : isPost
        ? ' Nothing was done.'
        : '';
  return new ApiError({
    kind: 'unavailable',
    message: `The Scene Projects service failed (HTTP ${status}) while ${describeOp(ctx.op)}${attemptsText(a.extra)}.${done} Try again ${when}.`,
    hint: 'If it keeps failing, the service may be down for a while.',
    ...retryAfter(a.extra),
    ...a.base,
  });
}

/** 400, 409, 422: a refusal at the wrong time (wrong_state) or of the input (validation). */
function refused(a: Answer): ApiError {
  const { ctx, status, detail } = a;
  const isState =
    STATE_OPS.includes(ctx.op) && !detail.fields && (status === 409 || isStateDetail(detail.text));
  if (isState) {
    const projectStatus = a.extra.projectStatus ?? statusFromDetail(detail.text);
    const ws = wrongStateMessage(ctx, projectStatus);
    return new ApiError({
      kind: 'wrong_state',
      // Once the status is named, the service's words only restate the rule: quote them only otherwise.
      message: `${ws.message}${projectStatus ? '' : a.quoted}`,
      hint: ws.hint,
      ...a.base,
    });
  }
  const fields = detail.fields;
  const list = fields?.length ? ` ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}.` : a.quoted;
  return new ApiError({
    kind: 'validation',
    message: `The service rejected the request for ${describeOp(ctx.op)} (HTTP ${status}).${list}${ctx.method === 'POST' ? ' Nothing was done.' : ''}`,
    hint: 'Fix the input and call again.',
    ...(fields ? { fields } : {}),
    ...a.base,
  });
}

function unexpectedStatus(a: Answer): ApiError {
  return new ApiError({
    kind: a.status >= 400 ? 'validation' : 'unavailable',
    message: `The service answered HTTP ${a.status} while ${describeOp(a.ctx.op)}, which this client does not expect.${a.quoted}`,
    hint:
      a.status >= 400 ? 'Check the input and the base URL, then call again.' : 'Check the base URL setting.',
    ...a.base,
  });
}

/** Maps a non-2xx answer to an ApiError. */
export function httpError(
  ctx: OpContext,
  status: number,
  rawBody: string,
  secrets: Secrets,
  extra: HttpErrorExtra = {},
): ApiError {
  const detail = parseDetail(rawBody, secrets);
  const a: Answer = {
    ctx,
    status,
    detail,
    quoted: detail.text ? ` The service said: "${detail.text}".` : '',
    extra,
    base: { ...baseInit(ctx), status },
  };
  if (status === 401) return unauthorized(a);
  if (status === 403) return forbidden(a);
  if (status === 404) {
    const nf = notFoundMessage(ctx, detail.text);
    return new ApiError({ kind: 'not_found', message: nf.message, hint: nf.hint, ...a.base });
  }
  if (status === 429) return rateLimited(a);
  if (status >= 500) return serverFailure(a);
  if (status === 400 || status === 409 || status === 422) return refused(a);
  return unexpectedStatus(a);
}

/** A 2xx answer whose body does not fit even the lenient schema. The body itself is not quoted. */
export function unexpectedAnswer(ctx: OpContext, status: number, problem: string): ApiError {
  return new ApiError({
    kind: 'unavailable',
    message: `The service answered something unexpected for ${ctx.method} ${ctx.path} (HTTP ${status}: ${problem}).`,
    hint: 'Try again later; if it persists, the API may have changed and this client needs an update.',
    status,
    ...baseInit(ctx),
  });
}
