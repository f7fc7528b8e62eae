/**
 * `ApiError`: what every failure of the client becomes. Messages are written for an AI agent and a
 * person at once: what happened, then what to do. Upstream text is quoted short and sanitized; the
 * token never appears.
 */
import { ZodError } from 'zod';
import type { ApiErrorKind } from './contract.js';
import { sanitize } from './redact.js';
import { ErrorBody } from './schemas.js';

export interface FieldError {
  field: string;
  message: string;
}

export interface SceneRef {
  /** The scene's `id` (update addresses scenes by id). */
  sceneId?: number;
  /** The scene's `scene_number` (regenerate addresses scenes by number). */
  sceneNumber?: number;
}

export interface ApiErrorInit {
  kind: ApiErrorKind;
  message: string;
  hint: string;
  status?: number;
  fields?: FieldError[];
  retryAfterSeconds?: number;
  credits?: { required?: number; available?: number };
  projectId?: number;
  sceneRef?: SceneRef;
  personId?: number;
  operation?: string;
  aborted?: boolean;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  /** What to do next. */
  readonly hint: string;
  readonly status?: number;
  readonly fields?: FieldError[];
  readonly retryAfterSeconds?: number;
  readonly credits?: { required?: number; available?: number };
  readonly projectId?: number;
  readonly sceneRef?: SceneRef;
  readonly personId?: number;
  /** The client operation that failed, e.g. `approve`. */
  readonly operation?: string;
  /** The caller's AbortSignal ended the call. */
  readonly aborted?: boolean;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.kind = init.kind;
    this.hint = init.hint;
    if (init.status !== undefined) this.status = init.status;
    if (init.fields !== undefined) this.fields = init.fields;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.credits !== undefined) this.credits = init.credits;
    if (init.projectId !== undefined) this.projectId = init.projectId;
    if (init.sceneRef !== undefined) this.sceneRef = init.sceneRef;
    if (init.personId !== undefined) this.personId = init.personId;
    if (init.operation !== undefined) this.operation = init.operation;
    if (init.aborted) this.aborted = true;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      kind: this.kind,
      message: this.message,
      hint: this.hint,
    };
    for (const k of [
      'status',
      'fields',
      'retryAfterSeconds',
      'credits',
      'projectId',
      'sceneRef',
      'personId',
      'operation',
      'aborted',
    ] as const) {
      if (this[k] !== undefined) out[k] = this[k];
    }
    return out;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

export type Operation =
  | 'create_story'
  | 'list_projects'
  | 'get_project'
  | 'update_scene'
  | 'approve'
  | 'get_status'
  | 'regenerate'
  | 'upscale';

/** What the client asked for: lets errors say which project, scene or person. */
export interface OpContext {
  op: Operation;
  method: 'GET' | 'POST' | 'PUT';
  /** Path under the base URL, for messages (no query, no host). */
  path: string;
  projectId?: number;
  sceneId?: number;
  sceneNumber?: number;
  personId?: number;
}

const WHAT: Record<Operation, string> = {
  create_story: 'creating the story',
  list_projects: 'listing projects',
  get_project: 'reading the project',
  update_scene: 'updating the scene',
  approve: 'approving the project',
  get_status: 'reading the status',
  regenerate: 'regenerating the scene',
  upscale: 'starting the upscale',
};
export const describeOp = (op: Operation): string => WHAT[op];

export function sceneLabel(ctx: OpContext): string {
  if (ctx.sceneId !== undefined) return `scene id ${ctx.sceneId}`;
  if (ctx.sceneNumber !== undefined) return `scene ${ctx.sceneNumber}`;
  return 'the scene';
}

export function baseInit(
  ctx: OpContext,
): Pick<ApiErrorInit, 'projectId' | 'sceneRef' | 'personId' | 'operation'> {
  const out: Pick<ApiErrorInit, 'projectId' | 'sceneRef' | 'personId' | 'operation'> = { operation: ctx.op };
  if (ctx.projectId !== undefined) out.projectId = ctx.projectId;
  if (ctx.personId !== undefined) out.personId = ctx.personId;
  if (ctx.sceneId !== undefined || ctx.sceneNumber !== undefined) {
    out.sceneRef = {};
    if (ctx.sceneId !== undefined) out.sceneRef.sceneId = ctx.sceneId;
    if (ctx.sceneNumber !== undefined) out.sceneRef.sceneNumber = ctx.sceneNumber;
  }
  return out;
}

// ---------- local validation ----------

export function validationFromZod(ctx: OpContext, err: ZodError, prefix?: string): ApiError {
  const fields: FieldError[] = err.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return {
      field: prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(request)',
      message: i.message,
    };
  });
  const list = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new ApiError({
    kind: 'validation',
    message: `Invalid input for ${ctx.op}: ${list}. Nothing was sent.`,
    hint: 'Fix the fields listed and call again.',
    fields,
    ...baseInit(ctx),
  });
}

export const isZodError = (e: unknown): e is ZodError => e instanceof ZodError;

// ---------- upstream error bodies ----------

export interface ParsedDetail {
  /** Sanitized, short text of `detail` (or `message`), if any. */
  text?: string;
  /** Field errors from a FastAPI-style `detail` list. */
  fields?: FieldError[];
}

const LOC_PREFIXES = new Set(['body', 'query', 'path', 'header']);

export function parseDetail(raw: string, token?: string): ParsedDetail {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  const body = ErrorBody.safeParse(json);
  if (!body.success) return {};
  const d = body.data.detail;
  if (typeof d === 'string') return { text: sanitize(d, token) };
  if (Array.isArray(d)) {
    const fields = d.slice(0, 20).map((item) => {
      const loc = (item.loc ?? []).map(String);
      const parts = loc.length > 1 && LOC_PREFIXES.has(loc[0]!) ? loc.slice(1) : loc;
      return {
        field: sanitize(parts.join('.') || '(request)', token, 80),
        message: sanitize(item.msg, token, 200),
      };
    });
    return { fields, text: sanitize(fields.map((f) => `${f.field}: ${f.message}`).join('; '), token) };
  }
  if (d && typeof d === 'object') return { text: sanitize(JSON.stringify(d), token) };
  if (body.data.message) return { text: sanitize(body.data.message, token) };
  if (typeof body.data.error === 'string') return { text: sanitize(body.data.error, token) };
  return {};
}

/** "Insufficient credits: 500 required, 320 available" and similar wordings. */
export function parseCredits(
  text: string | undefined,
): { required?: number; available?: number } | undefined {
  if (!text) return undefined;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/[,_]/g, '')));
  const required =
    num(/(\d[\d,_]*)\s*(?:credits?\s*)?(?:are\s+|is\s+)?(?:required|needed)/i.exec(text)?.[1]) ??
    num(/(?:required|needed|cost)\s*[:=]?\s*(\d[\d,_]*)/i.exec(text)?.[1]);
  const available =
    num(/(\d[\d,_]*)\s*(?:credits?\s*)?(?:are\s+|is\s+)?(?:available|remaining|left)/i.exec(text)?.[1]) ??
    num(/(?:available|balance|remaining|have)\s*[:=]?\s*(\d[\d,_]*)/i.exec(text)?.[1]);
  if (required === undefined && available === undefined) return undefined;
  const out: { required?: number; available?: number } = {};
  if (required !== undefined && Number.isFinite(required)) out.required = required;
  if (available !== undefined && Number.isFinite(available)) out.available = available;
  return out;
}

const STATE_DETAIL =
  /\b(state|status)\b|not in (?:the )?(?:draft|proposed|completed|failed)|must be (?:completed|proposed|in|finished|done)|\balready\b|not ready|\bstill\b|no longer|has left|not (?:yet )?(?:completed|finished|approved)|only .{0,40}\b(?:draft|proposed|completed|failed)\b|\b(?:generating|creating|upscaling)\b/i;

export const isStateDetail = (text: string | undefined): boolean => !!text && STATE_DETAIL.test(text);

const STATE_OPS: readonly Operation[] = ['approve', 'update_scene', 'upscale', 'regenerate'];

/** A status word the detail names, e.g. "Project is generating" → generating. */
export function statusFromDetail(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m =
    /(?:status|state)\s*(?:is|:|=)?\s*['"]?([a-z_]+)/i.exec(text) ??
    /\b(draft|creating|proposed|generating|completed|failed|upscaling)\b/i.exec(text);
  const s = m?.[1]?.toLowerCase();
  if (!s || ['not', 'the', 'a', 'in', 'must', 'of'].includes(s)) return undefined;
  return s;
}

function wrongStateMessage(ctx: OpContext, status: string | undefined): { message: string; hint: string } {
  const p = ctx.projectId;
  const st = status ? ` (status: ${status})` : '';
  switch (ctx.op) {
    case 'approve':
      return {
        message: `Project ${p} is not ready for approval${st}. Only a project in 'proposed' can be approved; nothing was charged.`,
        hint:
          status && !['draft', 'creating', 'proposed'].includes(status)
            ? 'It looks already approved: call get_status to follow it; do not approve again.'
            : 'Call get_status to follow it, and approve once it is proposed.',
      };
    case 'update_scene':
      return {
        message: `${cap(sceneLabel(ctx))} of project ${p} can no longer be edited${st}. Scenes can be changed only while the project is 'draft' or 'proposed', before approval.`,
        hint: 'Call get_project to see the project; once it has been approved, use regenerate on the finished project instead.',
      };
    case 'regenerate':
      return {
        message: `${cap(sceneLabel(ctx))} of project ${p} cannot be regenerated now${st}. Regeneration is accepted only for a 'completed' or 'failed' project; nothing was charged.`,
        hint: 'Call get_status to follow the project and regenerate once it has finished.',
      };
    case 'upscale':
      return {
        message: `Project ${p} cannot be upscaled now${st}. Only a 'completed' project can be upscaled.`,
        hint: 'Call get_status to follow the project and upscale once it is completed.',
      };
    default:
      return {
        message: `Project ${p} is not in a state that allows this${st}.`,
        hint: 'Call get_status to see where the project is.',
      };
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function notFoundMessage(ctx: OpContext, detail: string | undefined): { message: string; hint: string } {
  const p = ctx.projectId;
  const d = detail?.toLowerCase() ?? '';
  const projectHint = 'Call list_projects to see the projects on this account.';
  switch (ctx.op) {
    case 'create_story':
      return {
        message: `Person ${ctx.personId} was not found. person_id must be the id of a person (character) on this account.`,
        hint: 'Use a person_id that exists on the account, then call create_story again.',
      };
    case 'list_projects':
      return {
        message: 'The projects list was not found (404): the API base URL may be wrong.',
        hint: 'Check the base URL setting (it should end in /api/v1).',
      };
    case 'update_scene':
    case 'regenerate': {
      const scene = sceneLabel(ctx);
      const how =
        ctx.op === 'update_scene'
          ? "Scene ids come from get_project (each scene's `id`, not its number)."
          : 'Scene numbers run from 1 to the number of scenes; see get_project.';
      if (d.includes('scene') && !/project\s+(?:\d+\s+)?not found/.test(d)) {
        return {
          message: `${cap(scene)} was not found in project ${p}. ${how}`,
          hint: 'Call get_project to list its scenes.',
        };
      }
      if (d.includes('project')) return { message: `Project ${p} was not found.`, hint: projectHint };
      return {
        message: `Project ${p} or its ${scene} was not found. ${how}`,
        hint: 'Call get_project to check the project and its scenes.',
      };
    }
    default:
      return { message: `Project ${p} was not found.`, hint: projectHint };
  }
}

function retryText(retryAfterSeconds: number | undefined, fallback: string): string {
  return retryAfterSeconds !== undefined ? `in ${retryAfterSeconds} s` : fallback;
}

export interface HttpErrorExtra {
  retryAfterSeconds?: number;
  /** Attempts made, if more than one. */
  attempts?: number;
  /** The project's current status, if known (for wrong-state messages). */
  projectStatus?: string;
}

/** Maps a non-2xx answer to an ApiError. */
export function httpError(
  ctx: OpContext,
  status: number,
  rawBody: string,
  token: string | undefined,
  extra: HttpErrorExtra = {},
): ApiError {
  const detail = parseDetail(rawBody, token);
  const quoted = detail.text ? ` The service said: "${detail.text}".` : '';
  const base = { ...baseInit(ctx), status };
  const isPost = ctx.method === 'POST';
  const after = extra.attempts && extra.attempts > 1 ? ` after ${extra.attempts} attempts` : '';

  if (status === 401) {
    return new ApiError({
      kind: 'unauthorized',
      message: `The API token was rejected (401 Unauthorized) while ${describeOp(ctx.op)}.`,
      hint: 'Check TWIN_API_TOKEN: it must be a valid API token of your twin.actor account. Or run with --sandbox to try without an account.',
      ...base,
    });
  }
  if (status === 403) {
    const credits = parseCredits(detail.text);
    const aboutCredits = !!credits || /credit/i.test(detail.text ?? '');
    const figures =
      credits && (credits.required !== undefined || credits.available !== undefined)
        ? `: ${[credits.required !== undefined ? `${credits.required} required` : '', credits.available !== undefined ? `${credits.available} available` : ''].filter(Boolean).join(', ')}`
        : '';
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
        : `The service refused ${describeOp(ctx.op)} (403 Forbidden).${quoted} Nothing was charged.`,
      hint: aboutCredits
        ? 'Add credits to the account (or choose fewer scenes), then try again.'
        : 'Check the account: the token may lack access, or the account may be out of credits.',
      ...(credits ? { credits } : {}),
      ...base,
    });
  }
  if (status === 404) {
    const nf = notFoundMessage(ctx, detail.text);
    return new ApiError({ kind: 'not_found', message: nf.message, hint: nf.hint, ...base });
  }
  if (status === 429) {
    const when = retryText(extra.retryAfterSeconds, 'in a little while');
    return new ApiError({
      kind: 'rate_limited',
      message: `The service is rate limiting requests (429) while ${describeOp(ctx.op)}${after}.${isPost ? ' Nothing was done.' : ''} Try again ${when}.`,
      hint: `Wait, then try again ${when}.`,
      ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      ...base,
    });
  }
  if (status >= 500) {
    const when = retryText(extra.retryAfterSeconds, 'in a minute');
    const done =
      isPost && ctx.op === 'create_story' && (status === 502 || status === 504)
        ? ' The story may or may not have been created: call list_projects before creating it again.'
        : isPost
          ? ' Nothing was done.'
          : '';
    return new ApiError({
      kind: 'unavailable',
      message: `The Scene Projects service failed (HTTP ${status}) while ${describeOp(ctx.op)}${after}.${done} Try again ${when}.`,
      hint: `The service is having trouble; try again ${when}.`,
      ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      ...base,
    });
  }
  if (status === 400 || status === 409 || status === 422) {
    const isState =
      STATE_OPS.includes(ctx.op) && !detail.fields && (status === 409 || isStateDetail(detail.text));
    if (isState) {
      const ws = wrongStateMessage(ctx, extra.projectStatus ?? statusFromDetail(detail.text));
      return new ApiError({ kind: 'wrong_state', message: `${ws.message}${quoted}`, hint: ws.hint, ...base });
    }
    const fields = detail.fields;
    const list = fields?.length ? ` ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}.` : quoted;
    return new ApiError({
      kind: 'validation',
      message: `The service rejected the request for ${describeOp(ctx.op)} (HTTP ${status}).${list}${isPost ? ' Nothing was done.' : ''}`,
      hint: 'Fix the input and call again.',
      ...(fields ? { fields } : {}),
      ...base,
    });
  }
  return new ApiError({
    kind: status >= 400 ? 'validation' : 'unavailable',
    message: `The service answered HTTP ${status} while ${describeOp(ctx.op)}, which this client does not expect.${quoted}`,
    hint:
      status >= 400 ? 'Check the input and the base URL, then call again.' : 'Check the base URL setting.',
    ...base,
  });
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

export function notConfigured(ctx?: OpContext, why?: string): ApiError {
  return new ApiError({
    kind: 'not_configured',
    message: why ?? 'No API token is set.',
    hint: 'Set TWIN_API_TOKEN to your Scene Projects (twin.actor) API token, or run with --sandbox to try without an account.',
    ...(ctx ? baseInit(ctx) : {}),
  });
}
