/**
 * `ApiError`: what every failure of the client becomes. Messages are written for an AI agent and a
 * person at once: what happened, then what to do. Upstream text is quoted short and sanitized; the
 * token never appears.
 */
import type { ApiErrorKind } from '../contract.js';

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

const OPTIONAL_FIELDS = [
  'status',
  'fields',
  'retryAfterSeconds',
  'credits',
  'projectId',
  'sceneRef',
  'personId',
  'operation',
  'aborted',
] as const;

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
    for (const k of OPTIONAL_FIELDS) if (this[k] !== undefined) out[k] = this[k];
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

type Subject = Pick<ApiErrorInit, 'projectId' | 'sceneRef' | 'personId' | 'operation'>;

/** The fields of an error that say which operation, project, scene or person it is about. */
export function baseInit(ctx: OpContext): Subject {
  const out: Subject = { operation: ctx.op };
  if (ctx.projectId !== undefined) out.projectId = ctx.projectId;
  if (ctx.personId !== undefined) out.personId = ctx.personId;
  if (ctx.sceneId !== undefined || ctx.sceneNumber !== undefined) {
    out.sceneRef = {};
    if (ctx.sceneId !== undefined) out.sceneRef.sceneId = ctx.sceneId;
    if (ctx.sceneNumber !== undefined) out.sceneRef.sceneNumber = ctx.sceneNumber;
  }
  return out;
}
