/**
 * Streamable HTTP at /mcp on plain `node:http`, serving both protocol generations from one port:
 * 2026-07-28 requests go to the stateless modern handler (http-modern.ts), 2025-era requests
 * (`isLegacyRequest`) to a pool of sessions (http-legacy.ts). In front of both: the guards
 * (http-guards.ts: Host, Origin, bearer token) and one read of the body. GET /healthz answers
 * liveness without any secret, behind the same Host check.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLegacyRequest } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { type HttpFront, singleFront } from './http-front.js';
import { hostForUrl, readRequest, requestGuards, sendJsonError } from './http-guards.js';
import { answerHealth } from './http-health.js';
import { StreamCap, streamGate } from './http-streams.js';
import { checkInbound, nestedDeeperThan } from './inbound-check.js';

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
  /** Extra GET pages by path (the preview command's host page), behind the same Host check. */
  pages?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
}

const CLOSE_GRACE_MS = 2000;

/** What the /mcp route needs from the server around it. */
interface McpRoute {
  rt: Runtime;
  guards: ReturnType<typeof requestGuards>;
  holdStream: ReturnType<typeof streamGate>;
  front: HttpFront;
  maxBody: number;
  closing(): boolean;
}

/** POST, GET or DELETE /mcp: the guards, who it is for, one read of the body, the message check, the era's handler. */
async function handleMcp(d: McpRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!d.guards.admit(req, res)) return;
  if (d.closing()) {
    sendJsonError(res, 503, -32000, 'The server is shutting down.', { connection: 'close' });
    return;
  }
  if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
    sendJsonError(res, 405, -32000, 'Method not allowed: use POST, GET or DELETE.', {
      allow: 'POST, GET, DELETE',
    });
    return;
  }
  // Who the request is for, before its body is read.
  const handlers = await d.front.admit(req, res);
  if (!handlers) return;
  const read = await readRequest(req, res, d.maxBody, d.rt.logger);
  if (!read) return;
  if (!admitMessage(d.rt, read.body, res)) return;
  if (handlers.hold && !handlers.hold(req, res, read.body)) return;
  if (!d.holdStream(req, res, read.body)) return;
  // Classification needs only the headers and the parsed body: the body was read once, above.
  if (await isLegacyRequest(read.probe, read.body, { maxRequestBodySize: d.maxBody })) {
    await handlers.legacy.handle(req, res, read.body);
  } else {
    await handlers.modern.handle(req, res, read.body);
  }
}

/** A single message the SDK would refuse with a generic 400 gets its first problem named (inbound-check.ts). */
function admitMessage(rt: Runtime, body: unknown, res: ServerResponse): boolean {
  if (!body || typeof body !== 'object') return true;
  // A batch is the SDK's to answer, unless it nests too deep for any validator to walk.
  if (Array.isArray(body) && !nestedDeeperThan(body)) return true;
  const verdict = checkInbound(body);
  if (verdict.ok) return true;
  rt.logger.warn(verdict.log);
  sendJsonError(res, 400, verdict.error.code, verdict.error.message, {}, verdict.reply?.id ?? null);
  return false;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startHttpServer(rt: Runtime, opts: HttpServerOptions = {}): Promise<HttpServerHandle> {
  const cfg = rt.config.http;
  const { logger } = rt;
  const host = opts.host ?? cfg.host;
  const maxBody = cfg.maxBodyBytes;
  const guards = requestGuards({ ...cfg, host }, (line) => logger.warn(line));
  const streams = new StreamCap(cfg.maxStreams);
  const holdStream = streamGate(streams, (line) => logger.warn(line));
  const front = await httpFront(rt, maxBody);
  let closing = false;

  const mcp: McpRoute = { rt, guards, holdStream, front, maxBody, closing: () => closing };

  const httpServer = createServer((req, res) => {
    let route: Promise<void>;
    switch (pathOf(req)) {
      case '/mcp':
        route = handleMcp(mcp, req, res);
        break;
      case '/healthz':
        // Behind the Host check: a DNS-rebinding page must not read even the mode and session count.
        if (guards.host(req, res))
          answerHealth(rt, { sessions: front.sessions, streams: streams.open }, req, res);
        return;
      default: {
        const page = opts.pages?.[pathOf(req)];
        if (!page) sendJsonError(res, 404, -32000, 'Not found: the MCP endpoint is /mcp.');
        else if (req.method !== 'GET') sendJsonError(res, 405, -32000, 'Method not allowed: use GET.');
        else if (guards.host(req, res)) page(req, res);
        return;
      }
    }
    route.catch((err: unknown) => {
      logger.warn('HTTP request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendJsonError(res, 500, -32603, 'Internal server error.');
      else res.end();
    });
  });

  await listen(httpServer, opts.port ?? cfg.port, host);
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${hostForUrl(host)}:${port}/mcp`;
  logger.info(
    `serving MCP over Streamable HTTP at ${url} (${rt.config.tenants.enabled ? `tenants from ${rt.store.where}` : rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live API' : 'no API token set'}${cfg.token ? ', clients must send the MCP_HTTP_TOKEN' : ''})`,
  );

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const teardown = Promise.allSettled([front.close()]);
        await Promise.race([teardown, delay(CLOSE_GRACE_MS)]);
        httpServer.closeAllConnections();
        await stopped;
        logger.info('HTTP server closed');
      })();
      return closed;
    },
  };
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Single-person mode, or with `--tenants` the front that picks each request's tenant (loaded only then). */
async function httpFront(rt: Runtime, maxBody: number): Promise<HttpFront> {
  if (!rt.config.tenants.enabled) return singleFront(rt, maxBody);
  if (rt.store.kind === 'memory')
    throw new Error(
      '--tenants needs the store the tenants were added to: --store file (the default) or --store redis://… (TWIN_STORE).',
    );
  const { tenantFront } = await import('./http-tenants.js');
  const { TenantDirectory } = await import('../tenants/directory.js');
  const auth = new TenantDirectory(rt.store.tenants, rt.config.tenants.storeKey ?? '');
  return tenantFront(rt, { auth, maxBody });
}
