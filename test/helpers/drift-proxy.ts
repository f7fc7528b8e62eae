/**
 * A proxy in front of the sandbox that answers the way a real service, or a proxy before it,
 * plausibly does: it rewrites JSON answers (numbers as strings, nulls, unknown fields, fractional
 * progress, zone-less times, no scenes array) and plays failures before or after the sandbox has
 * handled a request (a status with a JSON or HTML body, an HTML page with 200, a reset, an answer
 * that never comes). The sandbox's ledger stays the truth to compare outcomes with.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Json = unknown;
/** Rewrites a parsed JSON answer; `path` is the request path (without query). */
export type Mutation = (body: Json, path: string) => Json;

export type Fault =
  /** Answer this status without (`before`) or after (`after`) the sandbox handled the request. */
  | { kind: 'status'; status: number; when: 'before' | 'after'; html?: boolean }
  /** A proxy's error page, with HTTP 200. */
  | { kind: 'html200'; when: 'before' | 'after' }
  /** Any body, e.g. JSON cut off part-way or of the wrong type. */
  | { kind: 'raw'; status: number; body: string; when: 'before' | 'after' }
  /** Destroy the connection before forwarding, or after the sandbox answered. */
  | { kind: 'reset'; when: 'before' | 'after' }
  /** Forward, then never answer: the client's timeout fires. */
  | { kind: 'hang' };

export interface Rule {
  method?: string;
  path?: RegExp;
  /** Apply to this many matching requests, then retire. Default: until cleared. */
  count?: number;
  fault?: Fault;
  mutate?: Mutation;
}

export interface DriftProxy {
  /** The API base URL through the proxy. */
  readonly url: string;
  add(rule: Rule): void;
  clear(): void;
  close(): Promise<void>;
}

const HTML = '<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body><h1>502</h1></body></html>';

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function play(fault: Exclude<Fault, { kind: 'hang' }>, req: IncomingMessage, res: ServerResponse): void {
  if (fault.kind === 'reset') req.socket.destroy();
  else if (fault.kind === 'html200') send(res, 200, 'text/html', HTML);
  else if (fault.kind === 'raw') send(res, fault.status, 'application/json', fault.body);
  else if (fault.html) send(res, fault.status, 'text/html', HTML);
  else send(res, fault.status, 'application/json', JSON.stringify({ detail: 'Internal Server Error' }));
}

function rewrite(up: Upstream, mutations: Mutation[], path: string): Upstream {
  if (!mutations.length || !String(up.headers['content-type'] ?? '').includes('json')) return up;
  let json: Json;
  try {
    json = JSON.parse(up.body.toString('utf8'));
  } catch {
    return up;
  }
  for (const m of mutations) json = m(json, path);
  return { ...up, body: Buffer.from(JSON.stringify(json)) };
}

export async function startDriftProxy(sandboxOrigin: string): Promise<DriftProxy> {
  const target = new URL(sandboxOrigin);
  let rules: Array<Rule & { left: number }> = [];
  const sockets = new Set<Socket>();

  const take = (method: string, path: string) => {
    const applied = rules.filter(
      (r) => (!r.method || r.method === method) && (!r.path || r.path.test(path)) && r.left > 0,
    );
    for (const r of applied) r.left -= 1;
    rules = rules.filter((r) => r.left > 0);
    return {
      fault: applied.find((r) => r.fault)?.fault,
      mutations: applied.flatMap((r) => (r.mutate ? [r.mutate] : [])),
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const { fault, mutations } = path.startsWith('/_sandbox/')
      ? { fault: undefined, mutations: [] }
      : take(req.method ?? 'GET', path);
    if (fault && fault.kind !== 'hang' && fault.when === 'before') return play(fault, req, res);
    const up = rewrite(await forward(target, req, body), mutations, path);
    if (fault?.kind === 'hang') return;
    if (fault) return play(fault, req, res);
    const { 'transfer-encoding': _chunked, ...rest } = up.headers;
    const headers = { ...rest, 'content-length': String(up.body.length) };
    if (res.destroyed) return;
    res.writeHead(up.status, headers);
    res.end(up.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => {
        if (!res.headersSent && !res.destroyed) send(res, 502, 'text/plain', 'proxy error');
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    add: (rule) => {
      rules.push({ ...rule, left: rule.count ?? Number.POSITIVE_INFINITY });
    },
    clear: () => {
      rules = [];
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

// ---------- the rewrites ----------

const walk = (v: Json, f: (key: string | undefined, v: Json) => Json, key?: string): Json => {
  const out = f(key, v);
  if (Array.isArray(out)) return out.map((x) => walk(x, f));
  if (out && typeof out === 'object') {
    return Object.fromEntries(Object.entries(out).map(([k, x]) => [k, walk(x, f, k)]));
  }
  return out;
};

/** Every number (ids, progress, counts, credits) sent as a string. */
export const numbersAsStrings: Mutation = (body) =>
  walk(body, (_k, v) => (typeof v === 'number' ? String(v) : v));

const OPTIONAL_PROJECT = [
  'description',
  'current_step',
  'error',
  'final_video_url',
  'final_video_url_upscaled',
  'total_duration_seconds',
  'credits_used',
  'person_id',
  'updated_at',
];
const OPTIONAL_SCENE = [
  'id',
  'image_url',
  'video_url',
  'image_status',
  'video_status',
  'status',
  'narration_text',
];

const fill = (o: Record<string, Json>, keys: string[]) => {
  for (const k of keys) if (!(k in o)) o[k] = null;
};

/** `null` for every optional field the answer left out. */
export const nullsForAbsent: Mutation = (body) => {
  const one = (p: Json) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return p;
    const o = { ...(p as Record<string, Json>) };
    if ('status' in o) fill(o, OPTIONAL_PROJECT);
    if (Array.isArray(o.scenes)) {
      o.scenes = o.scenes.map((s) => {
        const sc = { ...(s as Record<string, Json>) };
        fill(sc, OPTIONAL_SCENE);
        return sc;
      });
    }
    return o;
  };
  return Array.isArray(body) ? body.map(one) : one(body);
};

/** Fields and nested objects this client has never heard of, on projects and scenes. */
export const unknownFields: Mutation = (body) =>
  walk(body, (k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && k !== 'x_upstream_extra'
      ? { ...(v as object), x_upstream_extra: { tier: 'gold', flags: [1, 'a', null] } }
      : v,
  );

/** A status this client does not know, in place of `from`. */
export const unknownStatus =
  (from: string, to: string): Mutation =>
  (body) =>
    walk(body, (k, v) => (k === 'status' && v === from ? to : v));

/** Progress as a fraction 0–1 instead of a percentage. */
export const fractionalProgress: Mutation = (body) =>
  walk(body, (k, v) => (k === 'progress' && typeof v === 'number' ? v / 100 : v));

/** Timestamps without a zone (`2026-11-28T10:00:00.000`), as naive servers write UTC. */
export const zonelessTimestamps: Mutation = (body) =>
  walk(body, (k, v) => (typeof v === 'string' && /_at$/.test(k ?? '') ? v.replace(/Z$|[+-]00:00$/, '') : v));

/** Projects without a `scenes` array. */
export const withoutScenes: Mutation = (body) => {
  const one = (p: Json) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return p;
    const { scenes: _gone, ...rest } = p as Record<string, Json>;
    return rest;
  };
  return Array.isArray(body) ? body.map(one) : one(body);
};
