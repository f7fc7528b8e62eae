/**
 * Streamable HTTP at /mcp on plain `node:http`, serving both protocol generations from one port:
 *
 * - 2026-07-28 (modern) requests: a strict, stateless `createMcpHandler(..., { legacy: 'reject' })`.
 * - 2025-era (legacy) requests (`isLegacyRequest`): a SESSIONFUL `NodeStreamableHTTPServerTransport`
 *   per session, created on `initialize` and keyed by `mcp-session-id`. Not the handler's default
 *   stateless legacy posture: that one silently breaks elicitation and resources/subscribe for old
 *   clients (see the SDK notes' trap).
 *
 * In front of both, in this order: Host allow-list, Origin allow-list, bearer token, body size.
 * GET /healthz answers liveness without any secret.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport, toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isInitializeRequest,
  isJsonContentType,
  isLegacyRequest,
  type McpServer,
} from '@modelcontextprotocol/server';
import { liveExtension } from '../live/extension.js';
import type { Runtime } from '../runtime.js';
import { buildServer, newSession, type SessionState } from '../server.js';
import {
  BodyTooLargeError,
  bearerCheck,
  hostAllowList,
  hostForUrl,
  originAllowList,
  readBody,
  sendJsonError,
} from './http-guards.js';

export interface HttpServerHandle {
  /** e.g. http://127.0.0.1:3333/mcp */
  url: string;
  port: number;
  /** Stops accepting, closes every session and stream, resolves once the socket is closed. */
  close(): Promise<void>;
}

export interface HttpServerOptions {
  /** Default `rt.config.http.port` (3333); 0 picks a free port. */
  port?: number;
  /** Default `rt.config.http.host` (127.0.0.1). */
  host?: string;
}

/** One 2025-era session: its transport, its server instance, its budget. */
interface LegacySession {
  id: string;
  transport: NodeStreamableHTTPServerTransport;
  server: McpServer;
  state: SessionState;
  /** Requests and streams (e.g. the standalone GET SSE stream) currently open on this session. */
  active: number;
  lastSeen: number;
}

const SESSION_HEADER = 'mcp-session-id';
const CLOSE_GRACE_MS = 2000;

export async function startHttpServer(rt: Runtime, opts: HttpServerOptions = {}): Promise<HttpServerHandle> {
  const cfg = rt.config.http;
  const { logger } = rt;
  const host = opts.host ?? cfg.host;
  const wantedPort = opts.port ?? cfg.port;
  const maxBody = cfg.maxBodyBytes;
  const idleMs = cfg.sessionIdleSeconds * 1000;

  const buildOpts = liveExtension(rt);
  const checkHost = hostAllowList(host, cfg.allowedHosts);
  const checkOrigin = originAllowList(cfg.allowedOrigins);
  const checkBearer = cfg.token ? bearerCheck(cfg.token) : undefined;

  // Modern (2026-07-28) requests are stateless: a fresh server instance per request, all sharing
  // this one SessionState. Its budget is rt.budget itself — the server-wide credit limit — because
  // there is no session to hang a per-session limit on; the per-session limit applies to 2025-era
  // sessions, each of which gets its own child budget below.
  const modernSession = newSession(rt, 'http-modern');
  const handler = createMcpHandler((ctx) => buildServer(rt, modernSession, ctx, buildOpts), {
    legacy: 'reject',
    maxRequestBodySize: maxBody,
    onerror: (err) => logger.debug('modern HTTP exchange error', { error: err.message }),
  });
  const modernNode = toNodeHandler(handler, {
    maxRequestBodySize: maxBody,
    onerror: (err) => logger.warn('modern HTTP handler failed', { error: err.message }),
  });
  const unpublish = rt.live?.addPublisher((uri) => handler.notify.resourceUpdated(uri));

  const sessions = new Map<string, LegacySession>();
  /** Every legacy transport not yet closed, including ones still in their `initialize` exchange. */
  const opened = new Set<LegacySession>();
  let pendingInits = 0;
  let closing = false;

  async function dropSession(s: LegacySession, why: string): Promise<void> {
    if (!opened.delete(s)) return;
    sessions.delete(s.id);
    logger.debug(`HTTP session ${s.id.slice(0, 8)}… closed (${why}); ${sessions.size} open`);
    // Closing the server closes its transport, which ends the session's open streams.
    await s.server.close().catch(() => {});
  }

  function track(s: LegacySession, res: ServerResponse): void {
    s.active++;
    s.lastSeen = Date.now();
    res.once('close', () => {
      s.active--;
      s.lastSeen = Date.now();
    });
  }

  async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (sessions.size + pendingInits >= cfg.maxSessions) {
      logger.warn(`HTTP session refused: ${cfg.maxSessions} sessions already open`);
      sendJsonError(
        res,
        503,
        -32000,
        `Too many open MCP sessions (the limit is ${cfg.maxSessions}, set by --max-sessions / MCP_HTTP_MAX_SESSIONS). ` +
          'Close an unused session (HTTP DELETE) or try again later.',
      );
      return;
    }
    pendingInits++;
    try {
      const id = randomUUID();
      // Each 2025-era session gets its own budget: a child of the server-wide one, capped by the
      // per-session credit limit when it is set.
      const state = newSession(rt, id, rt.config.consent.sessionCreditLimit);
      const transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: () => {
          sessions.set(id, s);
          logger.debug(`HTTP session ${id.slice(0, 8)}… opened; ${sessions.size} open`);
        },
        onsessionclosed: () => void dropSession(s, 'ended by the client'),
        maxRequestBodySize: maxBody,
      });
      const server = buildServer(rt, state, { era: 'legacy' }, buildOpts);
      const s: LegacySession = { id, transport, server, state, active: 0, lastSeen: Date.now() };
      opened.add(s);
      transport.onclose = () => void dropSession(s, 'transport closed');
      transport.onerror = (err) => logger.debug('legacy HTTP transport error', { error: err.message });
      try {
        await server.connect(transport);
        track(s, res);
        await transport.handleRequest(req, res, body);
      } catch (err) {
        await dropSession(s, 'initialize threw');
        throw err;
      }
      // An initialize that failed (bad version, bad params) leaves no session behind.
      if (!sessions.has(id)) await dropSession(s, 'initialize failed');
    } finally {
      pendingInits--;
    }
  }

  async function handleLegacy(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const raw = req.headers[SESSION_HEADER];
    const sid = Array.isArray(raw) ? raw[0] : raw;
    if (sid) {
      const s = sessions.get(sid);
      if (!s) {
        sendJsonError(
          res,
          404,
          -32001,
          'Session not found: it expired or was closed. Start a new session with initialize.',
        );
        return;
      }
      track(s, res);
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      await openSession(req, res, body);
      return;
    }
    sendJsonError(
      res,
      400,
      -32600,
      'Bad Request: no mcp-session-id header. A 2025-era client starts a session with initialize first.',
    );
  }

  function noteListen(res: ServerResponse, body: unknown): void {
    const live = rt.live;
    if (!live || !body || typeof body !== 'object' || Array.isArray(body)) return;
    const msg = body as { method?: unknown; id?: unknown; params?: unknown };
    if (msg.method !== 'subscriptions/listen' || msg.id === undefined) return;
    // SubscriptionsListenRequestParams: { notifications: { resourceSubscriptions?: string[], ... } }
    const filter = (msg.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)
      ?.notifications;
    const uris = Array.isArray(filter?.resourceSubscriptions)
      ? filter.resourceSubscriptions.filter((u): u is string => typeof u === 'string')
      : [];
    if (!uris.length) return;
    const done = live.listenOpened(uris);
    res.once('close', () => done());
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostOk = checkHost(req.headers.host);
    if (!hostOk.ok) {
      sendJsonError(res, 403, -32000, `Forbidden: ${hostOk.message}`);
      return;
    }
    const originOk = checkOrigin(req.headers.origin);
    if (!originOk.ok) {
      sendJsonError(res, 403, -32000, `Forbidden: ${originOk.message}`);
      return;
    }
    if (checkBearer) {
      const verdict = checkBearer(req.headers.authorization);
      if (verdict !== 'ok') {
        sendJsonError(
          res,
          401,
          -32000,
          verdict === 'missing'
            ? 'Unauthorized: send Authorization: Bearer <token> (the server’s MCP_HTTP_TOKEN).'
            : 'Unauthorized: the bearer token is not valid.',
          {
            'www-authenticate':
              verdict === 'missing'
                ? 'Bearer realm="scene-projects-mcp"'
                : 'Bearer realm="scene-projects-mcp", error="invalid_token"',
          },
        );
        return;
      }
    }
    if (closing) {
      sendJsonError(res, 503, -32000, 'The server is shutting down.', { connection: 'close' });
      return;
    }

    const method = req.method ?? 'GET';
    let body: unknown;
    if (method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, maxBody);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendJsonError(res, 413, -32000, err.message, { connection: 'close' });
          return;
        }
        // The client went away mid-body: nobody is left to answer.
        logger.debug('HTTP request body not received', { error: (err as Error).message });
        res.destroy();
        return;
      }
      if (!isJsonContentType(req.headers['content-type'] ?? '')) {
        sendJsonError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json.');
        return;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJsonError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
        return;
      }
    } else if (method !== 'GET' && method !== 'DELETE') {
      sendJsonError(res, 405, -32000, 'Method not allowed: use POST, GET or DELETE.', {
        allow: 'POST, GET, DELETE',
      });
      return;
    } else if (
      req.headers['content-length'] !== undefined &&
      Number(req.headers['content-length']) > maxBody
    ) {
      sendJsonError(res, 413, -32000, new BodyTooLargeError(maxBody).message, { connection: 'close' });
      return;
    }

    // Classification only needs the headers and the parsed body: the body is read once, above.
    const probe = new Request(`http://${hostForUrl(host)}${req.url ?? '/mcp'}`, {
      method,
      headers: webHeaders(req),
    });
    if (await isLegacyRequest(probe, body, { maxRequestBodySize: maxBody })) {
      await handleLegacy(req, res, body);
      return;
    }
    noteListen(res, body);
    await modernNode(req, res, body);
  }

  function handleHealth(req: IncomingMessage, res: ServerResponse): void {
    // Same Host check as /mcp: a DNS-rebinding page must not read even the mode and session count.
    const hostOk = checkHost(req.headers.host);
    if (!hostOk.ok) {
      sendJsonError(res, 403, -32000, `Forbidden: ${hostOk.message}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJsonError(res, 405, -32000, 'Method not allowed: use GET.', { allow: 'GET, HEAD' });
      return;
    }
    const body = JSON.stringify({
      ok: true,
      version: rt.version,
      mode: rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live' : 'unconfigured',
      sessions: sessions.size,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const httpServer = createServer((req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '';
    }
    const route =
      path === '/mcp'
        ? handleMcp(req, res)
        : path === '/healthz'
          ? Promise.resolve(handleHealth(req, res))
          : Promise.resolve(sendJsonError(res, 404, -32000, 'Not found: the MCP endpoint is /mcp.'));
    route.catch((err: unknown) => {
      logger.warn('HTTP request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJsonError(res, 500, -32603, 'Internal server error.');
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(wantedPort, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${hostForUrl(host)}:${port}/mcp`;

  // Idle 2025-era sessions (no open request or stream for sessionIdleSeconds) are closed.
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const s of sessions.values()) {
        if (s.active === 0 && now - s.lastSeen >= idleMs) void dropSession(s, 'idle');
      }
    },
    Math.min(30_000, Math.max(100, idleMs / 4)),
  );
  sweep.unref();

  logger.info(
    `serving MCP over Streamable HTTP at ${url} (${rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live API' : 'no API token set'}${cfg.token ? ', bearer token required' : ''})`,
  );

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= (async () => {
        closing = true;
        clearInterval(sweep);
        unpublish?.();
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const teardown = Promise.allSettled([
          ...[...opened].map((s) => dropSession(s, 'server shutting down')),
          handler.close(),
        ]);
        await Promise.race([teardown, delay(CLOSE_GRACE_MS)]);
        httpServer.closeAllConnections();
        await stopped;
        logger.info('HTTP server closed');
      })();
      return closed;
    },
  };
}

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
