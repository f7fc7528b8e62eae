/**
 * The checks in front of /mcp, as small pure helpers over plain `node:http`: Host and Origin
 * allow-lists (DNS-rebinding protection), the bearer token, and a bounded body reader.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `http://<value>` parsed by WHATWG URL: lower-cased hostname, IPv6 in brackets, port dropped. */
function hostnameOf(value: string): string | undefined {
  try {
    const h = new URL(`http://${value}`).hostname;
    return h || undefined;
  } catch {
    return undefined;
  }
}

function isLoopbackName(hostname: string): boolean {
  return LOOPBACK_NAMES.includes(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** A bind address as it appears in a Host header's hostname (IPv6 in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export type HostCheck = (hostHeader: string | undefined) => { ok: true } | { ok: false; message: string };

/** Loopback names, the bound host and the configured extra hosts (ports are ignored); `*` allows any. */
export function hostAllowList(boundHost: string, extra: string[]): HostCheck {
  const any = extra.includes('*');
  const allowed = new Set<string>();
  for (const h of [boundHost, ...extra]) {
    const name = hostnameOf(hostForUrl(h));
    if (name) allowed.add(name);
  }
  return (hostHeader) => {
    if (any) return { ok: true };
    if (!hostHeader) return { ok: false, message: 'Missing Host header.' };
    const name = hostnameOf(hostHeader);
    if (!name) return { ok: false, message: 'Invalid Host header.' };
    if (isLoopbackName(name) || allowed.has(name)) return { ok: true };
    return {
      ok: false,
      message: `Host "${name}" is not allowed. Add it with --allowed-hosts / MCP_HTTP_ALLOWED_HOSTS if it is yours.`,
    };
  };
}

/**
 * No Origin header passes (non-browser clients send none). A present one passes when its hostname is
 * loopback, or it matches a configured entry: a full origin (`https://app.example.com`, scheme and
 * port must match) or a bare hostname (`app.example.com`, any scheme and port); `*` allows any.
 */
export function originAllowList(extra: string[]) {
  const any = extra.includes('*');
  const origins = new Set<string>();
  const hostnames = new Set<string>();
  for (const e of extra) {
    if (e.includes('://')) {
      try {
        origins.add(new URL(e).origin);
      } catch {
        /* ignored: not a URL */
      }
    } else {
      const name = hostnameOf(e);
      if (name) hostnames.add(name);
    }
  }
  return (originHeader: string | undefined): { ok: true } | { ok: false; message: string } => {
    if (originHeader === undefined || originHeader === '' || any) return { ok: true };
    let url: URL;
    try {
      url = new URL(originHeader);
    } catch {
      return { ok: false, message: 'Invalid Origin header.' };
    }
    if (url.hostname === '') return { ok: false, message: 'Invalid Origin header.' };
    const httpLike = url.protocol === 'http:' || url.protocol === 'https:';
    if (httpLike && isLoopbackName(url.hostname)) return { ok: true };
    if (origins.has(url.origin) || (httpLike && hostnames.has(url.hostname))) return { ok: true };
    return {
      ok: false,
      message: `Origin "${url.origin}" is not allowed. Add it with --allowed-origins / MCP_HTTP_ALLOWED_ORIGINS if it is yours.`,
    };
  };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * `Authorization: Bearer <token>` against the configured token. Both sides are hashed first so the
 * comparison takes the same time whatever the length or content of the guess.
 */
export function bearerCheck(token: string) {
  const expected = digest(token);
  return (authorization: string | undefined): 'ok' | 'missing' | 'invalid' => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!m) return 'missing';
    return timingSafeEqual(digest(m[1]!), expected) ? 'ok' : 'invalid';
  };
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`Request body is larger than ${limit} bytes (MCP_HTTP_MAX_BODY_BYTES / --max-body-bytes).`);
  }
}

/** Reads the whole body, refusing (before reading) a Content-Length over `limit` and (while reading) a stream that exceeds it. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.byteLength;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

/** A JSON-RPC-shaped error body (id null: it answers the HTTP request, not a particular message). */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
