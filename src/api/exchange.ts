/**
 * One exchange with the service: a request built once, sent through the transport, and retried only
 * where that is safe — reads and PUTs on a transient failure (honouring Retry-After, within a time
 * budget), a POST only when it provably never reached the server. A POST whose fate is unknown comes
 * out as a `LostAnswer` for the caller to reconcile; every other failure as an `ApiError`.
 */

import { parseJson } from './answer-body.js';
import {
  abortedError,
  type HttpErrorExtra,
  httpError,
  type LostFacts,
  networkError,
  type OpContext,
  parseDetail,
  reasonWords,
  statusFromDetail,
} from './errors/index.js';
import {
  type HttpTransport,
  type RawRequest,
  type RawResponse,
  type Timeouts,
  TransportError,
} from './http.js';
import { redact } from './redact.js';
import { backoffDelay, parseRetryAfter, type RetryPolicy, type Sleep } from './retry.js';
import { Project } from './schemas.js';

export type LogLevel = 'debug' | 'info' | 'warn';
export type Log = (level: LogLevel, message: string) => void;

/** A POST that may have reached the service but whose answer we do not have (or cannot read). */
export class LostAnswer implements LostFacts {
  constructor(
    readonly why: string,
    readonly aborted = false,
    readonly accepted = false,
  ) {}
}

export interface Exchanged {
  res: RawResponse;
}

export interface ExchangeDeps {
  transport: HttpTransport;
  token: string;
  /** The token and any other secret (the base URL's query values): removed from answers and messages. */
  secrets: readonly string[];
  userAgent: string;
  /** The base URL as it may be shown in messages. */
  shownBaseUrl: string;
  timeouts: Timeouts;
  policy: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  log: Log;
}

export interface RequestInit {
  query?: Record<string, unknown>;
  body?: unknown;
}

/** Operations whose outcome must be learned from the project when their answer is lost. */
const SPENDING = new Set(['approve', 'regenerate', 'upscale']);

/** Statuses worth another try for a request that may be repeated. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Time spent so far on one call: requests plus waits, against `policy.maxTotalMs`. */
interface Attempts {
  count: number;
  usedMs: number;
}

export class UpstreamExchange {
  constructor(private readonly deps: ExchangeDeps) {}

  /** Sends the request; resolves with a 2xx answer, or throws an `ApiError` or a `LostAnswer`. */
  async send(ctx: OpContext, init: RequestInit, signal: AbortSignal | undefined): Promise<Exchanged> {
    const request = this.build(ctx, init, signal);
    const tries: Attempts = { count: 0, usedMs: 0 };
    for (;;) {
      tries.count += 1;
      if (signal?.aborted) throw abortedError(ctx);
      const started = Date.now();
      let res: RawResponse;
      try {
        res = await this.deps.transport.send(request);
      } catch (err) {
        tries.usedMs += Date.now() - started;
        const delay = this.afterTransportFailure(ctx, this.asTransportError(err), tries);
        await this.waitBeforeRetry(ctx, delay, tries, signal);
        continue;
      }
      tries.usedMs += Date.now() - started;
      this.deps.log(
        'debug',
        `${ctx.method} ${ctx.path} → ${res.status} (${Date.now() - started} ms, attempt ${tries.count})`,
      );
      if (res.status >= 200 && res.status < 300) return { res };
      const delay = this.afterErrorStatus(ctx, res, tries);
      if (delay === undefined) throw await this.statusFailure(ctx, res, tries, signal);
      await this.waitBeforeRetry(ctx, delay, tries, signal);
    }
  }

  /** Waits `ms` unless the caller cancels; a cancel becomes the aborted error. */
  async pause(ctx: OpContext, ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.deps.sleep(ms, signal);
    } catch {
      throw abortedError(ctx);
    }
    if (signal?.aborted) throw abortedError(ctx);
  }

  private build(ctx: OpContext, init: RequestInit, signal: AbortSignal | undefined): RawRequest {
    const headers = this.headers();
    let body: string | undefined;
    if (init.body !== undefined || ctx.method !== 'GET') {
      body = JSON.stringify(init.body ?? {});
      headers['content-type'] = 'application/json';
    }
    return { method: ctx.method, path: ctx.path + queryString(init.query), headers, body, signal };
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Bearer ${this.deps.token}`,
      accept: 'application/json',
      'user-agent': this.deps.userAgent,
    };
  }

  private asTransportError(err: unknown): TransportError {
    if (err instanceof TransportError) return err;
    return new TransportError(redact(String(err), this.deps.secrets), 'sent', 'other');
  }

  /** The delay before the next attempt, or throws: a `LostAnswer` for a POST that may have landed. */
  private afterTransportFailure(ctx: OpContext, e: TransportError, tries: Attempts): number {
    const isPost = ctx.method === 'POST';
    const why = reasonWords(e, this.deps.timeouts);
    this.deps.log('debug', `${ctx.method} ${ctx.path} failed: ${why} (attempt ${tries.count})`);
    if (e.reason === 'aborted') {
      if (e.phase === 'sent' && isPost) throw new LostAnswer(why, true);
      throw abortedError(ctx);
    }
    if (e.transient && (!isPost || e.phase === 'connect')) {
      const delay = backoffDelay(tries.count - 1, this.deps.policy, this.deps.random);
      if (this.mayRetry(tries, delay)) {
        this.deps.log(
          'warn',
          `${ctx.method} ${ctx.path}: ${why}; retrying in ${delay} ms (attempt ${tries.count + 1})`,
        );
        return delay;
      }
    }
    if (isPost && e.phase === 'sent') throw new LostAnswer(why);
    throw networkError(ctx, e, why, tries.count, this.deps.shownBaseUrl);
  }

  /** The delay before the next attempt after an error status, or undefined to give up; throws a `LostAnswer` where a spend may hide. */
  private afterErrorStatus(ctx: OpContext, res: RawResponse, tries: Attempts): number | undefined {
    const isPost = ctx.method === 'POST';
    if (!isPost && RETRYABLE_STATUS.has(res.status)) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
      const delay = Math.max(
        backoffDelay(tries.count - 1, this.deps.policy, this.deps.random),
        retryAfterMs ?? 0,
      );
      if (this.mayRetry(tries, delay)) {
        this.deps.log(
          'warn',
          `${ctx.method} ${ctx.path} → ${res.status}; retrying in ${delay} ms (attempt ${tries.count + 1})`,
        );
        return delay;
      }
    }
    if (isPost && SPENDING.has(ctx.op) && res.status >= 500) {
      // A server or gateway error may hide a request the service did handle (a 500 after the charge,
      // a 502 from a proxy while the origin still works): learn the truth before saying anything.
      throw new LostAnswer(`the service answered HTTP ${res.status}`);
    }
    return undefined;
  }

  private mayRetry(tries: Attempts, delay: number): boolean {
    return tries.count < this.deps.policy.maxAttempts && tries.usedMs + delay <= this.deps.policy.maxTotalMs;
  }

  private async waitBeforeRetry(
    ctx: OpContext,
    delay: number,
    tries: Attempts,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.pause(ctx, delay, signal);
    tries.usedMs += delay;
  }

  private async statusFailure(
    ctx: OpContext,
    res: RawResponse,
    tries: Attempts,
    signal: AbortSignal | undefined,
  ) {
    const extra: HttpErrorExtra = { attempts: tries.count };
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
    if (retryAfterMs !== undefined) extra.retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
    const err = httpError(ctx, res.status, res.text, this.deps.secrets, extra);
    if (err.kind !== 'wrong_state' || ctx.projectId === undefined) return err;
    if (statusFromDetail(parseDetail(res.text, this.deps.secrets).text)) return err;
    const status = await this.currentStatus(ctx.projectId, signal);
    return status
      ? httpError(ctx, res.status, res.text, this.deps.secrets, { ...extra, projectStatus: status })
      : err;
  }

  /** Best effort, one attempt: the project's status, to name it in a wrong-state message. */
  private async currentStatus(
    projectId: number,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    try {
      const res = await this.deps.transport.send({
        method: 'GET',
        path: `/scene-projects/${projectId}`,
        headers: this.headers(),
        signal,
      });
      const p = Project.safeParse(parseJson(res.text));
      return res.status === 200 && p.success ? p.data.status : undefined;
    } catch {
      return undefined;
    }
  }
}

function queryString(q: Record<string, unknown> | undefined): string {
  if (!q) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
