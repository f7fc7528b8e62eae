/**
 * 2025-era clients over HTTP: a SESSIONFUL `NodeStreamableHTTPServerTransport` per session, created
 * on `initialize` and found by `mcp-session-id`. Not the SDK handler's stateless legacy posture: that
 * one silently breaks elicitation and resources/subscribe for old clients (see the SDK notes' trap).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type McpServer } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { type BuildOptions, buildServer, newSession } from '../server.js';
import { sendJsonError } from './http-guards.js';
import { type PoolMember, SessionPool } from './http-sessions.js';

const SESSION_HEADER = 'mcp-session-id';

/** One 2025-era session: its transport and its server instance (which holds its budget). */
class LegacySession implements PoolMember {
  constructor(
    readonly id: string,
    readonly transport: NodeStreamableHTTPServerTransport,
    readonly server: McpServer,
  ) {}

  /** Closing the server closes its transport, which ends the session's open streams. */
  close(): Promise<void> {
    return this.server.close();
  }
}

export interface LegacyHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Sessions whose initialize succeeded. */
  readonly sessions: number;
  close(): Promise<void>;
}

/** What every session of the pool shares. */
interface LegacyScope {
  rt: Runtime;
  buildOpts: BuildOptions;
  maxBody: number;
  pool: SessionPool<LegacySession>;
}

function createSession({ rt, buildOpts, maxBody, pool }: LegacyScope): LegacySession {
  const id = randomUUID();
  // Each 2025-era session gets its own budget: a child of the server-wide one, capped by the
  // per-session credit limit when it is set.
  const state = newSession(rt, id, rt.config.consent.sessionCreditLimit);
  const transport = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => id,
    onsessioninitialized: () => {
      pool.ready(s);
      rt.logger.debug(`HTTP session ${id.slice(0, 8)}… opened; ${pool.sessions} open`);
    },
    onsessionclosed: () => void pool.drop(s, 'ended by the client'),
    maxRequestBodySize: maxBody,
  });
  const s = new LegacySession(id, transport, buildServer(rt, state, { era: 'legacy' }, buildOpts));
  transport.onclose = () => void pool.drop(s, 'transport closed');
  transport.onerror = (err) => rt.logger.debug('legacy HTTP transport error', { error: err.message });
  return s;
}

/** An initialize without a session: a new session, unless every one of the pool is busy. */
async function openSession(
  scope: LegacyScope,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const { pool } = scope;
  const max = scope.rt.config.http.maxSessions;
  const opened = pool.open(() => createSession(scope));
  if (!opened) {
    scope.rt.logger.warn(`HTTP session refused: all ${max} sessions have a request or stream open`);
    sendJsonError(
      res,
      503,
      -32000,
      `Too many busy MCP sessions: all ${max} have a request or stream open (the limit is set by ` +
        '--max-sessions / MCP_HTTP_MAX_SESSIONS). Try again in a moment, or close a session you no longer use (HTTP DELETE).',
      { 'retry-after': '1' },
    );
    return;
  }
  const s = opened.member;
  res.once('close', opened.done);
  try {
    await s.server.connect(s.transport);
    await s.transport.handleRequest(req, res, body);
  } catch (err) {
    await pool.drop(s, 'initialize threw');
    throw err;
  }
  // An initialize that failed (bad version, bad params) leaves no session behind.
  if (!pool.isReady(s)) await pool.drop(s, 'initialize failed');
}

async function handleLegacy(
  scope: LegacyScope,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const raw = req.headers[SESSION_HEADER];
  const sid = Array.isArray(raw) ? raw[0] : raw;
  if (sid) {
    const s = scope.pool.get(sid);
    if (!s) {
      sendJsonError(
        res,
        404,
        -32001,
        'Session not found: it expired or was closed. Start a new session with initialize.',
      );
      return;
    }
    res.once('close', scope.pool.begin(s));
    await s.transport.handleRequest(req, res, body);
    return;
  }
  if (req.method === 'POST' && isInitializeRequest(body)) {
    await openSession(scope, req, res, body);
    return;
  }
  sendJsonError(
    res,
    400,
    -32600,
    'Bad Request: no mcp-session-id header. A 2025-era client starts a session with initialize first.',
  );
}

export function legacyHandler(rt: Runtime, buildOpts: BuildOptions, maxBody: number): LegacyHandler {
  const cfg = rt.config.http;
  const idleMs = cfg.sessionIdleSeconds * 1000;
  const pool = new SessionPool<LegacySession>({
    max: cfg.maxSessions,
    idleMs,
    onDropped: (s, why, open) =>
      rt.logger.debug(`HTTP session ${s.id.slice(0, 8)}… closed (${why}); ${open} open`),
  });
  const sweep = setInterval(() => pool.sweep(), Math.min(30_000, Math.max(100, idleMs / 4)));
  sweep.unref();
  const scope: LegacyScope = { rt, buildOpts, maxBody, pool };
  return {
    get sessions() {
      return pool.sessions;
    },
    handle: (req, res, body) => handleLegacy(scope, req, res, body),
    async close() {
      clearInterval(sweep);
      await pool.closeAll('server shutting down');
    },
  };
}
