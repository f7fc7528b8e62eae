/**
 * `--http --tenants`: each request's bearer access token picks its tenant, and the tenant's own
 * handlers (on its own runtime: upstream token, quotes, limits, watcher, sessions, subscriptions)
 * serve it. An unknown, rotated or removed token gets 401 and nothing else; the record is read from
 * the store on every request, so a rotation or removal holds at once on every replica. Per tenant:
 * a request rate and a cap on held connections, answered 429 so one tenant cannot starve the others.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime.js';
import type { TenantAuth } from '../tenants/directory.js';
import { type TenantEntry, TenantRuntimes } from '../tenants/runtimes.js';
import { addressKey, FailureLimiter } from './http-auth-failures.js';
import { type Handlers, type HttpFront, handlersFor } from './http-front.js';
import { sendJsonError } from './http-guards.js';
import { holdsConnection, StreamCap } from './http-streams.js';

const MINUTE_MS = 60_000;
/** `tenants list` shows the last use to the minute: one write a minute per tenant is enough. */
const TOUCH_EVERY_MS = 60_000;

export interface TenantFrontOptions {
  auth: TenantAuth;
  maxBody: number;
  /** Tests: runtimes with short poll intervals. */
  runtimes?: TenantRuntimes;
  now?: () => number;
}

/** Requests per tenant in a fixed one-minute window. */
class RateWindow {
  readonly #seen = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /** Seconds to wait when over the rate, else 0 (and the request is counted). */
  take(key: string): number {
    const now = this.now();
    let w = this.#seen.get(key);
    if (!w || now - w.start >= MINUTE_MS) {
      w = { start: now, count: 0 };
      this.#seen.set(key, w);
    }
    if (w.count >= this.max) return Math.max(1, Math.ceil((w.start + MINUTE_MS - now) / 1000));
    w.count++;
    return 0;
  }
}

const bearerOf = (header: string | undefined): string | undefined =>
  /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];

function unauthorized(res: ServerResponse, missing: boolean): undefined {
  sendJsonError(
    res,
    401,
    -32000,
    missing ? 'Unauthorized: send Authorization: Bearer <your access token>.' : 'Unauthorized.',
    {
      'www-authenticate': missing
        ? 'Bearer realm="scene-projects-mcp"'
        : 'Bearer realm="scene-projects-mcp", error="invalid_token"',
    },
  );
  return undefined;
}

function tooMany(res: ServerResponse, seconds: number, why: string): undefined {
  sendJsonError(res, 429, -32000, `Too Many Requests: ${why} Try again in ${seconds} s.`, {
    'retry-after': String(seconds),
  });
  return undefined;
}

/** A cap on one tenant's requests that hold their connection (waits, streams, subscriptions): 429 past it. */
function waitCap(max: number): NonNullable<Handlers['hold']> {
  const waits = new StreamCap(max);
  return (req, res, body) => {
    if (!holdsConnection(req.method, body)) return true;
    const release = waits.tryOpen();
    if (release) {
      res.once('close', release);
      return true;
    }
    tooMany(
      res,
      5,
      `this access token already holds ${max} open waits, streams and subscriptions (MCP_HTTP_TENANT_MAX_WAITS). Close one, or call with wait_seconds 0.`,
    );
    return false;
  };
}

type TenantHandlers = Handlers & { close(): Promise<void> };

class TenantFront implements HttpFront {
  readonly #handlers = new Map<Runtime, TenantHandlers>();
  readonly #rate: RateWindow;
  readonly #failures: FailureLimiter;
  readonly #touched = new Map<string, number>();
  readonly #runtimes: TenantRuntimes;
  readonly #now: () => number;

  constructor(
    private readonly rt: Runtime,
    private readonly opts: TenantFrontOptions,
  ) {
    this.#now = opts.now ?? Date.now;
    this.#rate = new RateWindow(rt.config.tenants.requestsPerMinute, this.#now);
    this.#failures = new FailureLimiter({
      max: rt.config.http.maxAuthFailures ?? 10,
      windowMs: MINUTE_MS,
      now: this.#now,
    });
    this.#runtimes = opts.runtimes ?? new TenantRuntimes(rt);
    this.#runtimes.onRetire = async (entry) => {
      const h = this.#handlers.get(entry.rt);
      this.#handlers.delete(entry.rt);
      await h?.close();
    };
  }

  async admit(req: IncomingMessage, res: ServerResponse): Promise<Handlers | undefined> {
    const token = bearerOf(req.headers.authorization);
    if (!token) return unauthorized(res, true);
    try {
      const tenant = await this.opts.auth.authenticate(token);
      // Only unknown tokens are slowed, per address: behind a proxy every tenant shares one address,
      // and a guesser there must not lock the known tenants out (256-bit tokens are not guessed).
      if (!tenant) return this.#unknown(req, res);
      const over = this.#rate.take(tenant.id);
      if (over > 0) {
        const max = this.rt.config.tenants.requestsPerMinute;
        return tooMany(
          res,
          over,
          `this access token sent more than ${max} requests this minute (MCP_HTTP_TENANT_REQUESTS_PER_MINUTE).`,
        );
      }
      const entry = await this.#runtimes.get(tenant);
      this.#touch(tenant.name);
      return this.#handlersOf(entry);
    } catch (err) {
      this.rt.logger.warn('HTTP: a tenant could not be served', {
        error: err instanceof Error ? err.message : String(err),
      });
      sendJsonError(
        res,
        503,
        -32000,
        'Service Unavailable: this access token cannot be served right now; try again shortly.',
        { 'retry-after': '5' },
      );
      return undefined;
    }
  }

  #unknown(req: IncomingMessage, res: ServerResponse): undefined {
    const who = addressKey(req.socket.remoteAddress);
    const wait = this.#failures.retryAfter(who);
    if (wait > 0) return tooMany(res, wait, 'too many unknown access tokens from this address.');
    if (this.#failures.fail(who))
      this.rt.logger.warn(
        `HTTP: too many unknown access tokens from ${who}; answering them 429 for a minute`,
      );
    return unauthorized(res, false);
  }

  get sessions(): number {
    let n = 0;
    for (const h of this.#handlers.values()) n += h.legacy.sessions;
    return n;
  }

  close(): Promise<void> {
    return this.#runtimes.close();
  }

  #handlersOf(entry: TenantEntry): Handlers {
    let h = this.#handlers.get(entry.rt);
    if (!h) {
      const base = handlersFor(entry.rt, this.opts.maxBody);
      h = {
        ...base,
        hold: waitCap(this.rt.config.tenants.maxWaits),
        close: async () => {
          await Promise.allSettled([base.legacy.close(), base.modern.close()]);
        },
      };
      this.#handlers.set(entry.rt, h);
    }
    return h;
  }

  #touch(name: string): void {
    const t = this.#now();
    if (t - (this.#touched.get(name) ?? 0) < TOUCH_EVERY_MS) return;
    this.#touched.set(name, t);
    this.opts.auth.touch(name).catch(() => this.#touched.delete(name));
  }
}

export const tenantFront = (rt: Runtime, opts: TenantFrontOptions): HttpFront => new TenantFront(rt, opts);
