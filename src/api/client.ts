/**
 * `SceneProjectsClient`: the upstream client. Validates requests before any I/O, reads answers
 * leniently, retries only what is safe to retry, and after an ambiguous failure of a spending POST
 * reads the project back to learn whether credits were charged, so our retries never charge twice.
 */

import type { z } from 'zod';
import { VERSION } from '../version.js';
import { ReadCoalescer } from './coalesce.js';
import type { CallOptions, SceneProjectsApi, SpendOutcome } from './contract.js';
import {
  ApiError,
  baseInit,
  describeOp,
  type HttpErrorExtra,
  httpError,
  isZodError,
  notConfigured,
  type OpContext,
  parseDetail,
  sceneLabel,
  statusFromDetail,
  unexpectedAnswer,
  validationFromZod,
} from './errors.js';
import { DEFAULT_TIMEOUTS, HttpTransport, type RawResponse, type Timeouts, TransportError } from './http.js';
import { redact } from './redact.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  defaultSleep,
  parseRetryAfter,
  type RetryPolicy,
  type Sleep,
} from './retry.js';
import {
  ActionResponse,
  ApproveRequest,
  type ApproveResponse,
  CreateStoryRequest,
  type CreateStoryResponse,
  ListProjectsQuery,
  Project,
  ProjectId,
  ProjectList,
  ProjectStatusResponse,
  RegenerateRequest,
  type RegenerateResponse,
  Scene,
  SceneId,
  SceneNumber,
  SceneUpdateRequest,
  type UpscaleResponse,
} from './schemas.js';

export const DEFAULT_BASE_URL = 'https://api.twin.actor/api/v1';
export const DEFAULT_USER_AGENT = `scene-projects-mcp/${VERSION}`;

/** How much earlier than our request an `updated_at` may be and still count as "after it" (clock skew). */
export const CLOCK_SKEW_MS = 2_000;

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  /** When set and not 'debug', debug lines are skipped before they are built and redacted (a hot path). */
  level?: string;
}

export interface ClientOptions {
  /** Default https://api.twin.actor/api/v1 */
  baseUrl?: string;
  /** Bearer token. Without one every call rejects with kind `not_configured`. */
  token?: string;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests: how to wait between attempts. Must reject (or resolve) promptly on abort. */
  sleep?: Sleep;
  /** Injectable for tests: jitter source in [0, 1). */
  random?: () => number;
  /** Injectable for tests: "now" in ms, compared with the service's `updated_at` when reconciling. */
  now?: () => number;
  /** Waits between re-reads when a lost spend does not show on the project yet (default 1, 2, 4 s). */
  recheckDelaysMs?: number[];
  userAgent?: string;
  logger?: Logger;
}

type Method = 'GET' | 'POST' | 'PUT';

/** A POST that may have reached the server but whose answer we do not have. */
/** Re-reads after a spend's answer was lost and the project does not show it yet. */
const RECHECK_DELAYS_MS = [1000, 2000, 4000];

class Ambiguous {
  constructor(
    /** Plain words for what went wrong, already redacted. */
    readonly why: string,
    /** Our clock when the last attempt was sent. */
    readonly sentAt: number,
    readonly aborted = false,
    /** The service did answer 2xx; only its body was unreadable. */
    readonly accepted = false,
  ) {}
}

interface Exchange {
  res: RawResponse;
  sentAt: number;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const NOT_YET_APPROVED = new Set(['draft', 'creating', 'proposed']);

function reasonWords(e: TransportError, timeouts: Timeouts): string {
  switch (e.reason) {
    case 'refused':
      return 'the connection was refused';
    case 'dns':
      return 'the host name could not be resolved';
    case 'connect_timeout':
      return `no connection within ${Math.round(timeouts.connectMs / 100) / 10} s`;
    case 'unreachable':
      return 'the host is unreachable';
    case 'tls':
      return 'the TLS handshake failed';
    case 'headers_timeout':
      return `no answer within ${Math.round(timeouts.headersMs / 100) / 10} s`;
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

export class SceneProjectsClient implements SceneProjectsApi {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly tokenProblem: string | undefined;
  private readonly transport: HttpTransport | undefined;
  private readonly timeouts: Timeouts;
  private readonly policy: RetryPolicy;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly recheckDelaysMs: number[];
  private readonly reads = new ReadCoalescer();
  private readonly userAgent: string;
  private readonly logger: Logger | undefined;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(opts.timeouts) };
    this.policy = { ...DEFAULT_RETRY, ...definedOnly(opts.retry) };
    this.policy.maxAttempts = Math.max(1, Math.floor(this.policy.maxAttempts));
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.recheckDelaysMs = opts.recheckDelaysMs ?? RECHECK_DELAYS_MS;
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.logger = opts.logger;
    const token = opts.token?.trim();
    if (!token) {
      this.tokenProblem = 'No API token is set.';
    } else if (!/^[\x21-\x7e]+$/.test(token)) {
      this.tokenProblem =
        'The API token contains spaces, line breaks or other characters a token cannot have.';
    } else {
      this.token = token;
      this.transport = new HttpTransport(this.baseUrl, this.timeouts, token);
    }
  }

  // ---------- the API ----------

  async createStory(body: CreateStoryRequest, opts: CallOptions = {}): Promise<CreateStoryResponse> {
    const ctx: OpContext = { op: 'create_story', method: 'POST', path: '/stories/create' };
    if (body && typeof body === 'object' && typeof body.person_id === 'number') ctx.personId = body.person_id;
    this.ready(ctx);
    const req = this.check(ctx, CreateStoryRequest, body);
    let ex: Exchange;
    try {
      ex = await this.exchange(ctx, { body: req }, opts.signal);
    } catch (e) {
      if (e instanceof Ambiguous) throw this.createLost(ctx, e);
      throw e;
    }
    const parsed = Project.safeParse(parseJson(ex.res.text));
    if (!parsed.success) {
      throw this.createLost(
        ctx,
        new Ambiguous(`the answer (HTTP ${ex.res.status}) could not be read`, ex.sentAt, false, true),
      );
    }
    return parsed.data;
  }

  async listProjects(query: ListProjectsQuery = {}, opts: CallOptions = {}) {
    const ctx: OpContext = { op: 'list_projects', method: 'GET', path: '/scene-projects' };
    this.ready(ctx);
    const q = this.check(ctx, ListProjectsQuery, query ?? {});
    const ex = await this.exchange(ctx, { query: q }, opts.signal);
    return this.parse(ctx, ex, ProjectList, 'not a list of projects');
  }

  async getProject(projectId: number, opts: CallOptions = {}) {
    const ctx: OpContext = {
      op: 'get_project',
      method: 'GET',
      path: `/scene-projects/${projectId}`,
      projectId,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    return this.reads.run(
      ctx.path,
      projectId,
      opts.signal,
      async () => this.parse(ctx, await this.exchange(ctx, {}, undefined), Project, 'not a project'),
      () => this.abortedError(ctx),
    );
  }

  async getStatus(projectId: number, opts: CallOptions = {}) {
    const ctx: OpContext = {
      op: 'get_status',
      method: 'GET',
      path: `/scene-projects/${projectId}/status`,
      projectId,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    return this.reads.run(
      ctx.path,
      projectId,
      opts.signal,
      async () =>
        this.parse(
          ctx,
          await this.exchange(ctx, {}, undefined),
          ProjectStatusResponse,
          'not a project status',
        ),
      () => this.abortedError(ctx),
    );
  }

  async updateScene(projectId: number, sceneId: number, patch: SceneUpdateRequest, opts: CallOptions = {}) {
    const ctx: OpContext = {
      op: 'update_scene',
      method: 'PUT',
      path: `/scene-projects/${projectId}/scenes/${sceneId}`,
      projectId,
      sceneId,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    this.checkId(ctx, SceneId, sceneId, 'scene_id');
    const body = this.check(ctx, SceneUpdateRequest, patch);
    const ex = await this.exchange(ctx, { body }, opts.signal);
    const json = parseJson(ex.res.text);
    const scene = Scene.safeParse(json);
    if (scene.success) return scene.data;
    // Tolerate a service that answers the whole project instead of the scene.
    const project = Project.safeParse(json);
    const found = project.success ? project.data.scenes?.find((s) => s.id === sceneId) : undefined;
    if (found) return found;
    throw unexpectedAnswer(ctx, ex.res.status, 'not a scene');
  }

  async approveProject(
    projectId: number,
    body: ApproveRequest,
    opts: CallOptions = {},
  ): Promise<SpendOutcome<ApproveResponse>> {
    const ctx: OpContext = {
      op: 'approve',
      method: 'POST',
      path: `/scene-projects/${projectId}/approve`,
      projectId,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    const req = this.check(ctx, ApproveRequest, body);
    return this.spendingPost(ctx, req, opts.signal, (p) => {
      if (NOT_YET_APPROVED.has(p.status)) {
        return { spent: false, how: `project ${projectId} is still '${p.status}'` };
      }
      return { spent: true, how: `project ${projectId} left 'proposed' (now '${p.status}')` };
    });
  }

  async regenerateScene(
    projectId: number,
    sceneNumber: number,
    body: RegenerateRequest,
    opts: CallOptions = {},
  ): Promise<SpendOutcome<RegenerateResponse>> {
    const ctx: OpContext = {
      op: 'regenerate',
      method: 'POST',
      path: `/scene-projects/${projectId}/scenes/${sceneNumber}/regenerate`,
      projectId,
      sceneNumber,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    this.checkId(ctx, SceneNumber, sceneNumber, 'scene_number');
    const req = this.check(ctx, RegenerateRequest, body ?? {});
    return this.spendingPost(ctx, req, opts.signal, (p, amb) => {
      if (NOT_YET_APPROVED.has(p.status)) {
        return { spent: false, how: `project ${projectId} is '${p.status}', where regeneration is refused` };
      }
      if (p.status !== 'completed' && p.status !== 'failed') {
        return { spent: true, how: `project ${projectId} is now '${p.status}'` };
      }
      const updated = p.updated_at ? Date.parse(p.updated_at) : Number.NaN;
      if (Number.isNaN(updated))
        return { spent: undefined, how: `project ${projectId} is '${p.status}' with no updated_at` };
      if (updated >= amb.sentAt - CLOCK_SKEW_MS) {
        return {
          spent: true,
          how: `project ${projectId} was updated at ${p.updated_at}, after the request was sent`,
        };
      }
      return {
        spent: false,
        how: `project ${projectId} is still '${p.status}', unchanged since ${p.updated_at}`,
      };
    });
  }

  async upscale(projectId: number, opts: CallOptions = {}): Promise<UpscaleResponse> {
    const ctx: OpContext = {
      op: 'upscale',
      method: 'POST',
      path: `/scene-projects/${projectId}/upscale`,
      projectId,
    };
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    return this.spendingPost(ctx, undefined, opts.signal, (p, amb) => {
      if (p.status === 'upscaling') return { spent: true, how: `project ${projectId} is now 'upscaling'` };
      const updated = p.updated_at ? Date.parse(p.updated_at) : Number.NaN;
      if (p.status === 'completed' && p.final_video_url_upscaled && updated >= amb.sentAt - CLOCK_SKEW_MS) {
        return { spent: true, how: `project ${projectId} has an upscaled video, updated after the request` };
      }
      return { spent: false, how: `project ${projectId} is '${p.status}' and not upscaling` };
    });
  }

  /** Closes the connection pool. Later calls reject with kind `unavailable`. */
  async close(): Promise<void> {
    await this.transport?.close();
  }

  // ---------- spending POSTs and reconciliation ----------

  private async spendingPost(
    ctx: OpContext,
    body: unknown,
    signal: AbortSignal | undefined,
    judge: (p: Project, amb: Ambiguous) => { spent: boolean | undefined; how: string },
  ): Promise<SpendOutcome<z.infer<typeof ActionResponse>>> {
    let amb: Ambiguous;
    try {
      const ex = await this.exchange(ctx, { body }, signal);
      const parsed = ActionResponse.safeParse(parseJson(ex.res.text));
      if (parsed.success) return parsed.data;
      amb = new Ambiguous(`the answer (HTTP ${ex.res.status}) could not be read`, ex.sentAt, false, true);
    } catch (e) {
      if (!(e instanceof Ambiguous)) throw e;
      amb = e;
    }
    return this.reconcile(ctx, amb, signal, judge);
  }

  private async reconcile(
    ctx: OpContext,
    amb: Ambiguous,
    signal: AbortSignal | undefined,
    judge: (p: Project, amb: Ambiguous) => { spent: boolean | undefined; how: string },
  ): Promise<SpendOutcome<z.infer<typeof ActionResponse>>> {
    const id = ctx.projectId!;
    const free = ctx.op === 'upscale';
    const what = describeOp(ctx.op);
    this.log('warn', `${ctx.method} ${ctx.path}: answer lost (${amb.why}); reading the project back`);
    let project: Project | undefined;
    let readFailure: string | undefined;
    if (amb.aborted || signal?.aborted) {
      readFailure = 'the call was cancelled';
    } else {
      try {
        project = await this.getProject(id, signal ? { signal } : {});
      } catch (e) {
        readFailure = e instanceof ApiError ? e.message : 'an unexpected error';
      }
    }
    let verdict = project ? judge(project, amb) : undefined;
    if (amb.accepted) {
      // The service said yes (2xx); only its body was unreadable.
      return {
        id,
        status: project?.status ?? 'unknown',
        progress: project?.progress ?? null,
        message: `The service accepted ${what} for project ${id} but its answer could not be read. Follow it with get_status.`,
        reconciled: { spent: !free, how: `the service answered 2xx; ${amb.why}` },
      };
    }
    if (!project || verdict?.spent === undefined) {
      const because = project ? verdict!.how : `reading the project back failed too (${readFailure})`;
      if (free) {
        throw new ApiError({
          kind: 'unavailable',
          message: `The answer to ${what} for project ${id} was lost (${amb.why}), and ${because}, so it is not known whether the upscale started. Nothing is charged for upscaling.`,
          hint: 'Call get_status: if the project is not upscaling, call upscale again.',
          ...baseInit(ctx),
          ...(amb.aborted ? { aborted: true } : {}),
        });
      }
      throw new ApiError({
        kind: 'spend_unknown',
        message: `The answer to ${what} (project ${id}${ctx.sceneNumber !== undefined ? `, ${sceneLabel(ctx)}` : ''}) was lost (${amb.why}), and ${because}: could not tell whether credits were charged. Call get_status before trying again — do not ${ctx.op === 'approve' ? 'approve' : 'regenerate'} again blindly.`,
        hint: `Call get_status for project ${id} before trying again; do not ${ctx.op === 'approve' ? 'approve' : 'regenerate'} again blindly.`,
        ...baseInit(ctx),
        ...(amb.aborted ? { aborted: true } : {}),
      });
    }
    if (!verdict.spent) {
      // Not visible is not proof of "not done": a slow service may commit the spend after our read.
      // Look again a few times; if it still does not show, say so — never "nothing was charged".
      for (const wait of free ? [] : this.recheckDelaysMs) {
        // A cancel here ends the re-checks, not the doubt: it must still come out as spend_unknown.
        const paused = await this.pause(ctx, wait, signal).then(
          () => true,
          () => false,
        );
        if (!paused) break;
        const again = await this.getProject(id, signal ? { signal } : {}).catch(() => undefined);
        if (!again) continue;
        const v = judge(again, amb);
        project = again;
        verdict = v;
        if (v.spent) break;
      }
    }
    if (!verdict.spent) {
      if (free) {
        throw new ApiError({
          kind: 'unavailable',
          message: `${capFirst(what)} for project ${id} did not start: the answer was lost (${amb.why}) and ${verdict.how}. Nothing is charged for upscaling; the call can be repeated.`,
          hint: 'Call upscale again (the service may be having trouble, so perhaps wait a moment).',
          ...baseInit(ctx),
        });
      }
      const verb = ctx.op === 'approve' ? 'approve' : 'regenerate';
      throw new ApiError({
        kind: 'spend_unknown',
        message: `The answer to ${what} (project ${id}${ctx.sceneNumber !== undefined ? `, ${sceneLabel(ctx)}` : ''}) was lost (${amb.why}), and the project does not show it yet (${verdict.how}). The service may still be processing it, so credits may have been charged. Call get_status in a minute before trying again — do not ${verb} again blindly.`,
        hint: `Call get_status for project ${id} in a minute; only if it still shows nothing, ${verb} again with a fresh quote.`,
        ...baseInit(ctx),
      });
    }
    this.log('info', `${ctx.method} ${ctx.path}: reconciled, it happened (${verdict.how})`);
    return {
      id,
      status: project.status,
      progress: project.progress ?? null,
      ...(ctx.sceneNumber !== undefined ? { scene_number: ctx.sceneNumber } : {}),
      message: `The answer was lost (${amb.why}), but the project shows it went through: ${verdict.how}. ${free ? '' : 'Credits were charged once; do not repeat the call. '}Follow it with get_status.`,
      reconciled: { spent: true, how: verdict.how },
    };
  }

  private createLost(ctx: OpContext, amb: Ambiguous): ApiError {
    return new ApiError({
      kind: 'unavailable',
      message: amb.accepted
        ? `The service accepted the story (it answered HTTP 2xx), but its answer could not be read. Call list_projects to find the new project; do not call create_story again.`
        : `The answer to creating the story was lost (${amb.why}), so the project may or may not have been created. Do not call create_story again blindly: call list_projects first to see whether it was created.`,
      hint: 'Call list_projects to see whether the project was created before creating it again.',
      ...baseInit(ctx),
      ...(amb.aborted ? { aborted: true } : {}),
    });
  }

  // ---------- one exchange, with retries ----------

  private async exchange(
    ctx: OpContext,
    init: { query?: Record<string, unknown>; body?: unknown },
    signal: AbortSignal | undefined,
  ): Promise<Exchange> {
    if (ctx.method === 'GET' || ctx.projectId === undefined) return this.exchangeOnce(ctx, init, signal);
    // A write: reads that start from now on, and after it ends, must not reuse older reads.
    this.reads.bump(ctx.projectId);
    try {
      return await this.exchangeOnce(ctx, init, signal);
    } finally {
      this.reads.bump(ctx.projectId);
    }
  }

  private async exchangeOnce(
    ctx: OpContext,
    init: { query?: Record<string, unknown>; body?: unknown },
    signal: AbortSignal | undefined,
  ): Promise<Exchange> {
    const transport = this.transport!;
    const policy = this.policy;
    const isPost = ctx.method === 'POST';
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/json',
      'user-agent': this.userAgent,
    };
    let payload: string | undefined;
    if (init.body !== undefined || ctx.method !== 'GET') {
      payload = JSON.stringify(init.body ?? {});
      headers['content-type'] = 'application/json';
    }
    const path = ctx.path + queryString(init.query);
    let used = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw this.abortedError(ctx);
      const started = Date.now();
      const sentAt = this.now();
      let res: RawResponse;
      try {
        res = await transport.send({ method: ctx.method as Method, path, headers, body: payload, signal });
      } catch (err) {
        used += Date.now() - started;
        const e =
          err instanceof TransportError
            ? err
            : new TransportError(redact(String(err), this.token), 'sent', 'other');
        const why = reasonWords(e, this.timeouts);
        this.log('debug', `${ctx.method} ${ctx.path} failed: ${why} (attempt ${attempt})`);
        if (e.reason === 'aborted') {
          if (e.phase === 'sent' && isPost) throw new Ambiguous(why, sentAt, true);
          throw this.abortedError(ctx);
        }
        const mayRetry = e.transient && (!isPost || e.phase === 'connect');
        if (mayRetry) {
          const delay = backoffDelay(attempt - 1, policy, this.random);
          if (attempt < policy.maxAttempts && used + delay <= policy.maxTotalMs) {
            this.log(
              'warn',
              `${ctx.method} ${ctx.path}: ${why}; retrying in ${delay} ms (attempt ${attempt + 1})`,
            );
            await this.pause(ctx, delay, signal);
            used += delay;
            continue;
          }
        }
        if (isPost && e.phase === 'sent') throw new Ambiguous(why, sentAt);
        throw this.networkError(ctx, e, why, attempt);
      }
      used += Date.now() - started;
      this.log(
        'debug',
        `${ctx.method} ${ctx.path} → ${res.status} (${Date.now() - started} ms, attempt ${attempt})`,
      );
      if (res.status >= 200 && res.status < 300) return { res, sentAt };

      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
      const retryAfterSeconds = retryAfterMs !== undefined ? Math.ceil(retryAfterMs / 1000) : undefined;
      if (!isPost && RETRYABLE_STATUS.has(res.status)) {
        const delay = Math.max(backoffDelay(attempt - 1, policy, this.random), retryAfterMs ?? 0);
        if (attempt < policy.maxAttempts && used + delay <= policy.maxTotalMs) {
          this.log(
            'warn',
            `${ctx.method} ${ctx.path} → ${res.status}; retrying in ${delay} ms (attempt ${attempt + 1})`,
          );
          await this.pause(ctx, delay, signal);
          used += delay;
          continue;
        }
      }
      if (isPost && (ctx.op === 'approve' || ctx.op === 'regenerate') && res.status >= 500) {
        // A server or gateway error may hide a request the service did handle (a 500 after the charge,
        // a 524 while the origin still works): learn the truth before saying anything.
        throw new Ambiguous(`the service answered HTTP ${res.status}`, sentAt);
      }
      const extra: HttpErrorExtra = { attempts: attempt };
      if (retryAfterSeconds !== undefined) extra.retryAfterSeconds = retryAfterSeconds;
      throw await this.httpFailure(ctx, res, extra, signal);
    }
  }

  private async httpFailure(
    ctx: OpContext,
    res: RawResponse,
    extra: HttpErrorExtra,
    signal: AbortSignal | undefined,
  ): Promise<ApiError> {
    const err = httpError(ctx, res.status, res.text, this.token, extra);
    if (err.kind !== 'wrong_state' || ctx.projectId === undefined) return err;
    if (statusFromDetail(parseDetail(res.text, this.token).text)) return err;
    // Best effort, one attempt: name the project's current status in the message.
    try {
      const ex = await this.transport!.send({
        method: 'GET',
        path: `/scene-projects/${ctx.projectId}`,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          'user-agent': this.userAgent,
        },
        signal,
      });
      const p = Project.safeParse(parseJson(ex.text));
      if (ex.status === 200 && p.success) {
        return httpError(ctx, res.status, res.text, this.token, { ...extra, projectStatus: p.data.status });
      }
    } catch {
      // keep the plain message
    }
    return err;
  }

  private networkError(ctx: OpContext, e: TransportError, why: string, attempts: number): ApiError {
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
      message: `Could not reach the Scene Projects API at ${this.baseUrl} while ${describeOp(ctx.op)}: ${why}${after}.${notSent}${createNote}`,
      hint:
        e.reason === 'refused' || e.reason === 'dns' || e.reason === 'unreachable'
          ? 'Check the network and the API base URL, then try again.'
          : 'The service may be slow or down; try again in a minute.',
      ...baseInit(ctx),
    });
  }

  private abortedError(ctx: OpContext): ApiError {
    return new ApiError({
      kind: 'unavailable',
      message: `The call was cancelled while ${describeOp(ctx.op)}.`,
      hint: 'Nothing more will be sent for this call; call again if still needed.',
      aborted: true,
      ...baseInit(ctx),
    });
  }

  private async pause(ctx: OpContext, ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.sleep(ms, signal);
    } catch {
      throw this.abortedError(ctx);
    }
    if (signal?.aborted) throw this.abortedError(ctx);
  }

  // ---------- helpers ----------

  private ready(ctx: OpContext): void {
    if (!this.transport) throw notConfigured(ctx, this.tokenProblem);
  }

  private check<S extends z.ZodType>(ctx: OpContext, schema: S, value: unknown): z.output<S> {
    try {
      return schema.parse(value);
    } catch (e) {
      if (isZodError(e)) throw validationFromZod(ctx, e);
      throw e;
    }
  }

  private checkId(ctx: OpContext, schema: z.ZodType, value: unknown, field: string): void {
    const r = schema.safeParse(value);
    if (!r.success) throw validationFromZod(ctx, r.error, field);
  }

  private parse<S extends z.ZodType>(ctx: OpContext, ex: Exchange, schema: S, what: string): z.output<S> {
    const r = schema.safeParse(parseJson(ex.res.text));
    if (r.success) return r.data;
    throw unexpectedAnswer(ctx, ex.res.status, what);
  }

  private log(level: 'debug' | 'info' | 'warn', message: string): void {
    if (!this.logger) return;
    if (level === 'debug' && this.logger.level !== undefined && this.logger.level !== 'debug') return;
    try {
      this.logger[level](redact(message, this.token));
    } catch {
      // a broken logger must not break a call
    }
  }
}

/** Creates a client. See `ClientOptions`. */
export function createApiClient(opts: ClientOptions = {}): SceneProjectsClient {
  return new SceneProjectsClient(opts);
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function queryString(q: Record<string, unknown> | undefined): string {
  if (!q) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

const capFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
