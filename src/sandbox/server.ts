/**
 * The HTTP front: socket bookkeeping (so close() never waits on keep-alive or hung connections),
 * the fault pipeline, the request log and dispatch to the API, media and control routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccountBook } from './accounts.js';
import { handleApi } from './api.js';
import type { FaultKind, RequestRecord } from './contract.js';
import type { FaultBook } from './faults.js';
import { json, REASONS, type Reply, readBody } from './http.js';
import { mediaReply } from './media.js';

const API_PREFIX = '/api/v1';
const MAX_RECORDS = 10_000;

export interface ServerDeps {
  accounts: AccountBook;
  faults: FaultBook;
  clock: () => number;
}

export class RequestLog {
  private records: RequestRecord[] = [];

  add(record: RequestRecord): void {
    this.records.push(record);
    // Trimmed in batches: shifting one at a time would make every request O(n) once full.
    if (this.records.length > MAX_RECORDS + 1000) this.records = this.records.slice(-MAX_RECORDS);
  }

  all(): RequestRecord[] {
    return this.records.slice(-MAX_RECORDS).map((r) => ({ ...r }));
  }
}

export interface SandboxServer {
  server: Server;
  log: RequestLog;
  /** Set once listening; media URLs fall back to it when a request carries no usable Host. */
  setOrigin(origin: string): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply, head: boolean): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
  res.end(head ? undefined : reply.body);
}

function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function faultReply(fault: Extract<FaultKind, { kind: 'status' }>): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
  if (fault.body === undefined)
    return json(fault.status, { detail: REASONS[fault.status] ?? 'Error' }, headers);
  if (typeof fault.body === 'string') {
    return {
      status: fault.status,
      headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      body: Buffer.from(fault.body),
    };
  }
  return json(fault.status, fault.body, headers);
}

/** Latency faults wait here; close() ends every wait at once (a `false` answer: drop the request). */
class Sleeps {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; done: (ok: boolean) => void }>();

  sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve(true);
        }, ms),
        done: resolve,
      };
      this.pending.add(entry);
    });
  }

  cancelAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.done(false);
    }
    this.pending.clear();
  }
}

/** What one request needs from the server around it. */
interface RequestScope {
  deps: ServerDeps;
  log: RequestLog;
  sleeps: Sleeps;
  closing(): boolean;
  originOf(req: IncomingMessage): string;
}

interface Target {
  method: string;
  path: string;
  query: URLSearchParams;
}

function route(scope: RequestScope, req: IncomingMessage, t: Target, body: Buffer): Reply | Promise<Reply> {
  const { deps } = scope;
  const { method, path } = t;
  // The bearer picks the account; a token of none is refused by the first account's check.
  const account = deps.accounts.byAuthorization(req.headers.authorization);
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
    return handleApi(
      { store: account.store, views: account.views, token: account.token },
      {
        method,
        path: path.slice(API_PREFIX.length) || '/',
        query: t.query,
        authorization: req.headers.authorization,
        body,
        origin: scope.originOf(req),
      },
    );
  }
  if (path === '/_sandbox/ledger') {
    return method === 'GET'
      ? json(200, account.ledger.snapshot())
      : json(405, { detail: 'Method Not Allowed' });
  }
  if (path.startsWith('/media/')) {
    if (method !== 'GET' && method !== 'HEAD')
      return json(405, { detail: 'Method Not Allowed' }, { allow: 'GET, HEAD' });
    return mediaReply(deps.accounts, path, req.headers.range).then(
      (r) => r ?? json(404, { detail: 'Not Found' }),
    );
  }
  return json(404, { detail: 'Not Found' });
}

function targetOf(req: IncomingMessage): Target {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q === -1 ? rawUrl : rawUrl.slice(0, q),
    query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
  };
}

async function onRequest(scope: RequestScope, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { deps } = scope;
  const target = targetOf(req);
  const { method, path } = target;
  const range = req.headers.range;
  const record = (status: number, fault?: FaultKind['kind']) =>
    scope.log.add({
      method,
      path,
      status,
      at: deps.clock(),
      ...(fault ? { fault } : {}),
      ...(range && { range }),
    });

  // Control routes stay reliable so a test can always read the ledger while faults are armed.
  const decision = path.startsWith('/_sandbox/') ? { latencyMs: 0 } : deps.faults.take(method, path);
  if (decision.latencyMs > 0 && !(await scope.sleeps.sleep(decision.latencyMs))) return;
  if (scope.closing()) return;
  const fault = decision.fault;
  if (fault && (fault.kind === 'reset' || fault.kind === 'hang') && fault.when === 'before') {
    record(0, fault.kind);
    if (fault.kind === 'reset') reset(req.socket);
    return;
  }

  const read = await readBody(req);
  if (!read.ok) {
    if (read.reason === 'cut') {
      record(413);
      req.socket.destroy();
      return;
    }
    if (read.reason === 'aborted') return record(0);
  }
  let reply: Reply;
  if (!read.ok) reply = json(413, { detail: 'Request body too large (limit 1 MB)' });
  else if (fault?.kind === 'status') reply = faultReply(fault);
  else reply = await route(scope, req, target, read.body);

  if (fault?.kind === 'reset' && fault.when === 'midway') {
    record(0, fault.kind);
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
    // Closed once the first half has left (a reset could discard it unread): part of the body, then the drop.
    res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => req.socket.destroy());
    return;
  }
  if (fault && (fault.kind === 'reset' || fault.kind === 'hang')) {
    // `after`: the request took full effect above; only its answer is lost.
    record(0, fault.kind);
    if (fault.kind === 'reset') reset(req.socket);
    return;
  }
  send(res, reply, method === 'HEAD');
  record(reply.status, fault?.kind);
}

export function createSandboxServer(deps: ServerDeps): SandboxServer {
  const log = new RequestLog();
  const sockets = new Set<Socket>();
  const sleeps = new Sleeps();
  let closing = false;
  let fallbackOrigin = 'http://127.0.0.1';
  const scope: RequestScope = {
    deps,
    log,
    sleeps,
    closing: () => closing,
    originOf(req) {
      const host = req.headers.host;
      return host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : fallbackOrigin;
    },
  };

  const server = createServer((req, res) => {
    onRequest(scope, req, res).catch((err: unknown) => {
      console.error('sandbox: request failed', err);
      if (!res.headersSent && !res.destroyed)
        send(res, json(500, { detail: 'Internal Server Error' }), false);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    server,
    log,
    setOrigin(origin) {
      fallbackOrigin = origin;
    },
    close() {
      closing = true;
      sleeps.cancelAll();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
