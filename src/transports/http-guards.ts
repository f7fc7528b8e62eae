/**
 * The checks in front of /mcp, each answering the request itself when it refuses: Host and Origin
 * allow-lists (DNS-rebinding protection, on the SDK's validators), the bearer token with wrong guesses
 * counted per address (http-auth-failures.ts), and reading the body once (the SDK's reader, with our size
 * limit and our messages).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toWebRequest } from '@modelcontextprotocol/node';
import {
  isJsonContentType,
  localhostAllowedHostnames,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import { addressKey, FailureLimiter } from './http-auth-failures.js';

/** A bind address as it appears in a Host header's hostname (IPv6 in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `http://<value>` parsed by WHATWG URL: lower-cased hostname, IPv6 in brackets, port dropped. */
function hostnameOf(value: string): string | undefined {
  try {
    return new URL(`http://${value}`).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** A refusal says its status: 400 for a Host that is missing or not a host name, 403 for one not allowed. */
export type Verdict = { ok: true } | { ok: false; status: 400 | 403; message: string };

const MISSING_HOST: Verdict = { ok: false, status: 400, message: 'Missing or empty Host header.' };

/**
 * Loopback names, the bound host and the configured extra hosts (ports are ignored); `*` allows any
 * name. A missing, empty or unparsable Host is refused (400) whatever the list says.
 */
export function hostAllowList(
  boundHost: string,
  extra: string[],
): (hostHeader: string | undefined) => Verdict {
  const any = extra.includes('*');
  const allowed = [...localhostAllowedHostnames()];
  for (const h of [boundHost, ...extra]) {
    const name = hostnameOf(hostForUrl(h));
    if (name) allowed.push(name);
  }
  return (hostHeader) => {
    if (!hostHeader?.trim()) return MISSING_HOST;
    if (any) return { ok: true };
    const r = validateHostHeader(hostHeader, allowed);
    if (r.ok) return { ok: true };
    if (r.errorCode === 'missing_host') return MISSING_HOST;
    if (r.errorCode !== 'invalid_host' || !r.hostname) {
      return { ok: false, status: 400, message: 'Invalid Host header.' };
    }
    return {
      ok: false,
      status: 403,
      message: `Host "${r.hostname}" is not allowed. Add it with --allowed-hosts / MCP_HTTP_ALLOWED_HOSTS if it is yours.`,
    };
  };
}

/**
 * No Origin header passes (non-browser clients send none). A present one passes when its hostname is
 * loopback, or it matches a configured entry: a full origin (`https://app.example.com`, scheme and
 * port must match) or a bare hostname (`app.example.com`, any scheme and port); `*` allows any.
 */
export function originAllowList(extra: string[]): (originHeader: string | undefined) => Verdict {
  const any = extra.includes('*');
  const origins = new Set<string>();
  const hostnames = [...localhostAllowedHostnames()];
  for (const e of extra) {
    if (!e.includes('://')) {
      const name = hostnameOf(e);
      if (name) hostnames.push(name);
      continue;
    }
    try {
      origins.add(new URL(e).origin);
    } catch {
      /* ignored: not a URL */
    }
  }
  return (originHeader) => {
    if (any || originHeader === undefined) return { ok: true };
    if (origins.size && origins.has(originOf(originHeader))) return { ok: true };
    const r = validateOriginHeader(originHeader, hostnames);
    if (r.ok) return { ok: true };
    if (r.errorCode !== 'invalid_origin')
      return { ok: false, status: 403, message: 'Invalid Origin header.' };
    return {
      ok: false,
      status: 403,
      message: `Origin "${originOf(originHeader)}" is not allowed. Add it with --allowed-origins / MCP_HTTP_ALLOWED_ORIGINS if it is yours.`,
    };
  };
}

function originOf(value: string): string {
  try {
    return new URL(value).origin;
  } catch {
    return '';
  }
}

export interface GuardConfig {
  /** The bound address. */
  host: string;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** The bearer token clients must send, if any. */
  token?: string;
  /** Wrong bearer tokens one address may send per window before it is refused for the rest of it. */
  maxAuthFailures?: number;
}

/** The window wrong bearer tokens are counted in. */
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/** The checks in front of the endpoints; each returns false once it has answered a refused request. */
export interface Guards {
  /** The Host check alone (what /healthz needs). */
  host(req: IncomingMessage, res: ServerResponse): boolean;
  /** Host, Origin, then the bearer token. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

export function requestGuards(cfg: GuardConfig, log: (line: string) => void = () => {}): Guards {
  const checkHost = hostAllowList(cfg.host, cfg.allowedHosts);
  const checkOrigin = originAllowList(cfg.allowedOrigins);
  const checkBearer = cfg.token ? bearerCheck(cfg.token) : undefined;
  const maxFailures = cfg.maxAuthFailures ?? 10;
  const failures = new FailureLimiter({ max: maxFailures, windowMs: AUTH_FAILURE_WINDOW_MS });
  const host = (req: IncomingMessage, res: ServerResponse) => {
    const v = checkHost(req.headers.host);
    if (!v.ok)
      sendJsonError(res, v.status, -32000, `${v.status === 400 ? 'Bad Request' : 'Forbidden'}: ${v.message}`);
    return v.ok;
  };
  return {
    host,
    admit(req, res) {
      if (!host(req, res)) return false;
      const origin = checkOrigin(req.headers.origin);
      if (!origin.ok) {
        sendJsonError(res, origin.status, -32000, `Forbidden: ${origin.message}`);
        return false;
      }
      if (!checkBearer) return true;
      // Counted per address: one that keeps guessing is refused for the rest of the window, even
      // with the right token (else guessing would go on at full speed); other addresses are not.
      const who = addressKey(req.socket.remoteAddress);
      const wait = failures.retryAfter(who);
      if (wait > 0) {
        sendJsonError(
          res,
          429,
          -32000,
          `Too Many Requests: too many wrong bearer tokens from this address. Try again in ${wait} s.`,
          { 'retry-after': String(wait) },
        );
        return false;
      }
      const verdict = checkBearer(req.headers.authorization);
      if (verdict === 'ok') return true;
      if (verdict === 'invalid' && failures.fail(who)) {
        log(
          `HTTP: ${maxFailures} wrong tokens from ${who} within ${AUTH_FAILURE_WINDOW_MS / 1000} s; refusing that address (429) until the window ends`,
        );
      }
      refuseBearer(res, verdict);
      return false;
    },
  };
}

function refuseBearer(res: ServerResponse, verdict: 'missing' | 'invalid'): void {
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

export function bodyTooLargeMessage(limit: number): string {
  return `Request body is larger than ${limit} bytes (MCP_HTTP_MAX_BODY_BYTES / --max-body-bytes).`;
}

/** What an MCP request carries once read: a web Request for classification, and the parsed JSON body of a POST. */
export interface ReadRequest {
  probe: Request;
  body: unknown;
}

/**
 * Reads the request once: the body of a POST (bounded, JSON only, parsed), none otherwise. Answers
 * 413, 415 or 400 itself and resolves undefined; a client gone mid-body gets its socket closed.
 */
export async function readRequest(
  req: IncomingMessage,
  res: ServerResponse,
  maxBody: number,
  logger: Logger,
): Promise<ReadRequest | undefined> {
  if (Number(req.headers['content-length']) > maxBody) {
    sendJsonError(res, 413, -32000, bodyTooLargeMessage(maxBody), { connection: 'close' });
    return undefined;
  }
  let probe: Request;
  try {
    probe = await toWebRequest(req, undefined, { maxRequestBodySize: maxBody });
  } catch (err) {
    if ((err as Error).name === 'RequestBodyTooLargeError') {
      sendJsonError(res, 413, -32000, bodyTooLargeMessage(maxBody), { connection: 'close' });
    } else {
      // The client went away mid-body: nobody is left to answer.
      logger.debug('HTTP request body not received', { error: (err as Error).message });
      res.destroy();
    }
    return undefined;
  }
  if (req.method !== 'POST') return { probe, body: undefined };
  if (!isJsonContentType(req.headers['content-type'] ?? '')) {
    sendJsonError(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json.');
    return undefined;
  }
  try {
    return { probe, body: JSON.parse(await probe.text()) };
  } catch {
    sendJsonError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
    return undefined;
  }
}

/** A JSON-RPC-shaped error body (id null unless given: it answers the HTTP request, not a particular message). */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
