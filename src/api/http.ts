/**
 * The HTTP transport: one keep-alive undici Pool per client, with connect/headers/body timeouts.
 * It sends one request and reads the whole answer, with every known secret removed; it never retries. Every failure comes out as a
 * `TransportError` whose message has been redacted and which says whether the request could have
 * reached the server (`phase`), so the caller can decide whether a retry is safe.
 */
import type { Dispatcher, Pool } from 'undici';
import { redact, redactAnswer } from './redact.js';

export interface Timeouts {
  /** TCP/TLS connect. Default 10 000 ms. */
  connectMs: number;
  /** Until the response headers arrive. Default 30 000 ms. */
  headersMs: number;
  /** Between body chunks. Default 30 000 ms. */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/**
 * - `local`: failed before anything was sent (bad argument, client closed, aborted before dispatch).
 * - `connect`: failed before a connection existed (refused, DNS, connect timeout): provably not received.
 * - `sent`: failed after the request may have reached the server (reset, timeout, socket error, abort in flight).
 */
export type FailurePhase = 'local' | 'connect' | 'sent';

export type FailureReason =
  | 'refused'
  | 'dns'
  | 'connect_timeout'
  | 'unreachable'
  | 'tls'
  | 'headers_timeout'
  | 'body_timeout'
  | 'reset'
  | 'socket'
  | 'too_large'
  | 'aborted'
  | 'closed'
  | 'invalid'
  | 'other';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly phase: FailurePhase,
    readonly reason: FailureReason,
    readonly code?: string,
  ) {
    super(message);
  }
  /** Worth another attempt (for an idempotent request). */
  get transient(): boolean {
    return (
      this.phase !== 'local' &&
      this.reason !== 'tls' &&
      this.reason !== 'too_large' &&
      this.reason !== 'aborted'
    );
  }
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path under the base URL, with query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** undici enforces it (`maxResponseSize`): a runaway answer cannot fill our memory. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const PRE_CONNECT: Record<string, FailureReason> = {
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EAI_FAIL: 'dns',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
};

const AFTER_SEND: Record<string, FailureReason> = {
  UND_ERR_HEADERS_TIMEOUT: 'headers_timeout',
  UND_ERR_BODY_TIMEOUT: 'body_timeout',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'too_large',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'socket',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'socket',
  HPE_INVALID_CONSTANT: 'socket',
};

function errorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errorCode(inner[0]);
      if (c) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

export class HttpTransport {
  private pool?: Promise<Pool>;
  private readonly basePath: string;
  /** The base URL's own query (e.g. a gateway's `key=…`), sent with every request. */
  private readonly baseQuery: string;
  readonly origin: string;
  private closed = false;

  constructor(
    baseUrl: string,
    readonly timeouts: Timeouts,
    /** Removed from every error text (the token, the base URL's query values). */
    private readonly secrets: readonly string[],
  ) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('baseUrl must be an http: or https: URL');
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.baseQuery = url.search.slice(1);
  }

  /** undici loads on the first request, not at start-up: a host's `tools/list` should not wait for it. */
  private getPool(): Promise<Pool> {
    this.pool ??= import('undici').then(
      ({ Pool }) =>
        new Pool(this.origin, {
          connections: 8,
          connect: { timeout: this.timeouts.connectMs },
          headersTimeout: this.timeouts.headersMs,
          bodyTimeout: this.timeouts.bodyMs,
          keepAliveTimeout: 4_000,
          maxResponseSize: MAX_BODY_BYTES,
        }),
    );
    return this.pool;
  }

  /** The request target: our path under the base path, with the base URL's query first. */
  private target(path: string): string {
    const at = path.indexOf('?');
    const own = at === -1 ? '' : path.slice(at + 1);
    const query = [this.baseQuery, own].filter(Boolean).join('&');
    return `${this.basePath}${at === -1 ? path : path.slice(0, at)}${query ? `?${query}` : ''}`;
  }

  async send(req: RawRequest): Promise<RawResponse> {
    if (this.closed) throw new TransportError('the API client has been closed', 'local', 'closed');
    if (req.signal?.aborted) throw new TransportError('the call was cancelled', 'local', 'aborted');
    let res: Dispatcher.ResponseData;
    try {
      const pool = await this.getPool();
      res = await pool.request({
        method: req.method,
        path: this.target(req.path),
        headers: req.headers,
        body: req.body,
        signal: req.signal,
      });
    } catch (err) {
      throw this.classify(err, req.signal);
    }
    try {
      // Where answers enter: a secret the service echoes goes no further than this line.
      const text = redactAnswer(await res.body.text(), this.secrets);
      return { status: res.statusCode, headers: res.headers, text };
    } catch (err) {
      throw this.classify(err, req.signal, true);
    }
  }

  private classify(err: unknown, signal: AbortSignal | undefined, afterHeaders = false): TransportError {
    const code = errorCode(err);
    const text = redact(errorText(err), this.secrets);
    if (signal?.aborted)
      return new TransportError('the call was cancelled while in flight', 'sent', 'aborted', code);
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') {
      return new TransportError(
        'the API client has been closed',
        this.closed ? 'local' : 'sent',
        'closed',
        code,
      );
    }
    if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_CHAR') {
      return new TransportError(`the request could not be built (${text})`, 'local', 'invalid', code);
    }
    if (!afterHeaders && code && PRE_CONNECT[code])
      return new TransportError(text, 'connect', PRE_CONNECT[code], code);
    if (
      code &&
      (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || /CERT|SELF_SIGNED/.test(code))
    ) {
      return new TransportError(`TLS failed: ${text}`, 'connect', 'tls', code);
    }
    const reason = (code && AFTER_SEND[code]) || 'other';
    return new TransportError(text, 'sent', reason, code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.pool) return;
    const pool = await this.pool;
    try {
      await pool.close();
    } catch {
      await pool.destroy().catch(() => undefined);
    }
  }
}
