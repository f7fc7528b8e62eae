/**
 * `SceneProjectsClient`: the upstream client, one method per endpoint. Requests are validated before
 * any I/O; answers are read leniently; `UpstreamExchange` sends and retries; after an ambiguous
 * failure of a spending POST, `reconcileSpend` reads the project back to learn whether it happened,
 * so our retries never charge twice.
 */
import type { z } from 'zod';
import { VERSION } from '../version.js';
import { bodyKind, parseJson } from './answer-body.js';
import { ReadCoalescer } from './coalesce.js';
import type { CallOptions, SceneProjectsApi, SpendOutcome } from './contract.js';
import {
  abortedError,
  createStoryLost,
  isZodError,
  notConfigured,
  type OpContext,
  unexpectedAnswer,
  validationFromZod,
} from './errors/index.js';
import {
  type Exchanged,
  type Log,
  type LogLevel,
  LostAnswer,
  type RequestInit,
  UpstreamExchange,
} from './exchange.js';
import { DEFAULT_TIMEOUTS, HttpTransport, type Timeouts } from './http.js';
import { reconcileSpend, type SpendJudge } from './reconcile.js';
import { redact, shownUrl, urlSecrets } from './redact.js';
import { DEFAULT_RETRY, defaultSleep, type RetryPolicy, type Sleep } from './retry.js';
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
  SceneAnswer,
  SceneId,
  SceneNumber,
  SceneUpdateRequest,
  type UpscaleResponse,
} from './schemas.js';
import { approveEvidence, regenerateEvidence, upscaleEvidence } from './spend-evidence.js';

export const DEFAULT_BASE_URL = 'https://api.twin.actor/api/v1';
export const DEFAULT_USER_AGENT = `scene-projects-mcp/${VERSION}`;

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
  /** Waits between re-reads when a lost spend does not show on the project yet (default 1, 2, 4 s). */
  recheckDelaysMs?: number[];
  userAgent?: string;
  logger?: Logger;
}

/** Re-reads after a spend's answer was lost and the project does not show it yet. */
const RECHECK_DELAYS_MS = [1000, 2000, 4000];

type SpendAnswer = SpendOutcome<z.infer<typeof ActionResponse>>;

export class SceneProjectsClient implements SceneProjectsApi {
  readonly baseUrl: string;
  private readonly tokenProblem: string | undefined;
  private readonly transport: HttpTransport | undefined;
  private readonly exchange: UpstreamExchange | undefined;
  private readonly recheckDelaysMs: number[];
  private readonly reads = new ReadCoalescer();
  private readonly log: Log;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(opts.timeouts) };
    const policy = { ...DEFAULT_RETRY, ...definedOnly(opts.retry) };
    policy.maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
    this.recheckDelaysMs = opts.recheckDelaysMs ?? RECHECK_DELAYS_MS;
    const token = opts.token?.trim();
    const secrets = [token ?? '', ...urlSecrets(this.baseUrl)].filter(Boolean);
    this.log = clientLog(opts.logger, secrets);
    this.tokenProblem = tokenProblem(token);
    if (this.tokenProblem || !token) return;
    this.transport = new HttpTransport(this.baseUrl, timeouts, secrets);
    this.exchange = new UpstreamExchange({
      transport: this.transport,
      token,
      secrets,
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      shownBaseUrl: shownUrl(this.baseUrl),
      timeouts,
      policy,
      sleep: opts.sleep ?? defaultSleep,
      random: opts.random ?? Math.random,
      log: this.log,
    });
  }

  // ---------- the API ----------

  async createStory(body: CreateStoryRequest, opts: CallOptions = {}): Promise<CreateStoryResponse> {
    const ctx: OpContext = { op: 'create_story', method: 'POST', path: '/stories/create' };
    if (body && typeof body === 'object' && typeof body.person_id === 'number') ctx.personId = body.person_id;
    const exchange = this.ready(ctx);
    const req = this.check(ctx, CreateStoryRequest, body);
    let ex: Exchanged;
    try {
      ex = await exchange.send(ctx, { body: req }, opts.signal);
    } catch (e) {
      if (e instanceof LostAnswer) throw createStoryLost(ctx, e);
      throw e;
    }
    const parsed = Project.safeParse(parseJson(ex.res.text));
    if (parsed.success) return parsed.data;
    throw createStoryLost(ctx, unreadable(ex));
  }

  async listProjects(query: ListProjectsQuery = {}, opts: CallOptions = {}) {
    const ctx: OpContext = { op: 'list_projects', method: 'GET', path: '/scene-projects' };
    const exchange = this.ready(ctx);
    const q = this.check(ctx, ListProjectsQuery, query ?? {});
    const ex = await exchange.send(ctx, { query: q }, opts.signal);
    return this.parse(ctx, ex, ProjectList, 'not a list of projects');
  }

  async getProject(projectId: number, opts: CallOptions = {}) {
    const ctx = projectCtx('get_project', 'GET', projectId, '');
    return this.sharedRead(ctx, projectId, opts.signal, Project, 'not a project');
  }

  async getStatus(projectId: number, opts: CallOptions = {}) {
    const ctx = projectCtx('get_status', 'GET', projectId, '/status');
    return this.sharedRead(ctx, projectId, opts.signal, ProjectStatusResponse, 'not a project status');
  }

  async updateScene(projectId: number, sceneId: number, patch: SceneUpdateRequest, opts: CallOptions = {}) {
    const ctx = projectCtx('update_scene', 'PUT', projectId, `/scenes/${sceneId}`);
    ctx.sceneId = sceneId;
    const exchange = this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    this.checkId(ctx, SceneId, sceneId, 'scene_id');
    const body = this.check(ctx, SceneUpdateRequest, patch);
    const ex = await this.write(exchange, ctx, { body }, opts.signal);
    const json = parseJson(ex.res.text);
    const scene = SceneAnswer.safeParse(json);
    if (scene.success) return scene.data;
    // Tolerate a service that answers the whole project instead of the scene.
    const project = Project.safeParse(json);
    const found = project.success ? project.data.scenes?.find((s) => s.id === sceneId) : undefined;
    if (found) return found;
    throw unexpectedAnswer(ctx, ex.res.status, `not a scene: ${bodyKind(ex.res)}`);
  }

  async approveProject(
    projectId: number,
    body: ApproveRequest,
    opts: CallOptions = {},
  ): Promise<SpendOutcome<ApproveResponse>> {
    const ctx = projectCtx('approve', 'POST', projectId, '/approve');
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    const req = this.check(ctx, ApproveRequest, body);
    return this.spendingPost(ctx, req, opts.signal, approveEvidence);
  }

  async regenerateScene(
    projectId: number,
    sceneNumber: number,
    body: RegenerateRequest,
    opts: CallOptions = {},
  ): Promise<SpendOutcome<RegenerateResponse>> {
    const ctx = projectCtx('regenerate', 'POST', projectId, `/scenes/${sceneNumber}/regenerate`);
    ctx.sceneNumber = sceneNumber;
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    this.checkId(ctx, SceneNumber, sceneNumber, 'scene_number');
    const req = this.check(ctx, RegenerateRequest, body ?? {});
    return this.spendingPost(ctx, req, opts.signal, regenerateEvidence);
  }

  async upscale(projectId: number, opts: CallOptions = {}): Promise<UpscaleResponse> {
    const ctx = projectCtx('upscale', 'POST', projectId, '/upscale');
    this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    return this.spendingPost(ctx, undefined, opts.signal, upscaleEvidence);
  }

  /** Closes the connection pool. Later calls reject with kind `unavailable`. */
  async close(): Promise<void> {
    await this.transport?.close();
  }

  // ---------- how calls are made ----------

  /** A read that concurrent identical reads share (see `ReadCoalescer`). */
  private sharedRead<S extends z.ZodType>(
    ctx: OpContext,
    projectId: number,
    signal: AbortSignal | undefined,
    schema: S,
    what: string,
  ): Promise<z.output<S>> {
    const exchange = this.ready(ctx);
    this.checkId(ctx, ProjectId, projectId, 'project_id');
    return this.reads.run(
      ctx.path,
      projectId,
      signal,
      async () => this.parse(ctx, await exchange.send(ctx, {}, undefined), schema, what),
      () => abortedError(ctx),
    );
  }

  /** A write: reads that start from now on, and after it ends, must not reuse older reads. */
  private async write(
    exchange: UpstreamExchange,
    ctx: OpContext,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<Exchanged> {
    const id = ctx.projectId!;
    this.reads.bump(id);
    try {
      return await exchange.send(ctx, init, signal);
    } finally {
      this.reads.bump(id);
    }
  }

  /**
   * A POST that may spend. The project is read first, so that if the answer is lost the project read
   * back afterwards can be compared with how it was, by the service's own markers.
   */
  private async spendingPost(
    ctx: OpContext,
    body: unknown,
    signal: AbortSignal | undefined,
    judgeEvidence: SpendJudge,
  ): Promise<SpendAnswer> {
    const exchange = this.ready(ctx);
    const id = ctx.projectId!;
    const before = await this.getProject(id, signal ? { signal } : {}).catch(() => undefined);
    let lost: LostAnswer;
    try {
      const ex = await this.write(exchange, ctx, { body }, signal);
      const parsed = ActionResponse.safeParse(parseJson(ex.res.text));
      if (parsed.success) return parsed.data;
      lost = unreadable(ex);
    } catch (e) {
      if (!(e instanceof LostAnswer)) throw e;
      lost = e;
    }
    const deps = {
      readProject: (pid: number, s: AbortSignal | undefined) => this.getProject(pid, s ? { signal: s } : {}),
      pause: (c: OpContext, ms: number, s: AbortSignal | undefined) => exchange.pause(c, ms, s),
      recheckDelaysMs: this.recheckDelaysMs,
      log: this.log,
    };
    return reconcileSpend(deps, { ctx, lost, before, judgeEvidence }, signal);
  }

  private ready(ctx: OpContext): UpstreamExchange {
    if (!this.exchange) throw notConfigured(ctx, this.tokenProblem);
    return this.exchange;
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

  private parse<S extends z.ZodType>(ctx: OpContext, ex: Exchanged, schema: S, what: string): z.output<S> {
    const r = schema.safeParse(parseJson(ex.res.text));
    if (r.success) return r.data;
    throw unexpectedAnswer(ctx, ex.res.status, `${what}: ${bodyKind(ex.res)}`);
  }
}

/** Creates a client. See `ClientOptions`. */
export function createApiClient(opts: ClientOptions = {}): SceneProjectsClient {
  return new SceneProjectsClient(opts);
}

/** A 2xx answer whose body is not what the call answers: its outcome is as unknown as a lost one. */
function unreadable(ex: Exchanged): LostAnswer {
  return new LostAnswer(`the service answered HTTP ${ex.res.status} with ${bodyKind(ex.res)}`, false, true);
}

function projectCtx(
  op: OpContext['op'],
  method: OpContext['method'],
  projectId: number,
  tail: string,
): OpContext {
  return { op, method, path: `/scene-projects/${projectId}${tail}`, projectId };
}

function tokenProblem(token: string | undefined): string | undefined {
  if (!token) return 'No API token is set.';
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return 'The API token contains spaces, line breaks or other characters a token cannot have.';
  }
  return undefined;
}

/** Log lines, redacted; a broken logger must not break a call. */
function clientLog(logger: Logger | undefined, secrets: readonly string[]): Log {
  return (level: LogLevel, message: string) => {
    if (!logger) return;
    if (level === 'debug' && logger.level !== undefined && logger.level !== 'debug') return;
    try {
      logger[level](redact(message, secrets));
    } catch {
      // ignored on purpose
    }
  };
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
