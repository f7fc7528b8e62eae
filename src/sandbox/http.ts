/**
 * HTTP plumbing. Handlers build a whole `Reply` before anything is written, so a fault of kind
 * `after` can let the request take full effect and then drop the answer.
 */
import type { IncomingMessage } from 'node:http';
import { readUpTo } from '../read-body.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export const MAX_BODY_BYTES = 1024 * 1024;
/** Beyond this, an oversized body is not even drained: the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export const detail = (status: number, message: unknown, headers?: Record<string, string>): Reply =>
  json(status, { detail: message }, headers);

/** Thrown inside handlers; the server turns it into its reply. */
export class HttpError extends Error {
  constructor(
    readonly reply: Reply,
    message = `HTTP ${reply.status}`,
  ) {
    super(message);
  }
}

/** The message doubles as the Error's, so misuse of the test hooks (e.g. an unknown id) reads plainly. */
export const fail = (status: number, message: unknown): never => {
  throw new HttpError(detail(status, message), typeof message === 'string' ? message : `HTTP ${status}`);
};

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too_large' | 'cut' | 'aborted' };

/**
 * Reads the body up to MAX_BODY_BYTES. A larger body is still read (so the client gets its 413
 * instead of a broken pipe), unless it is absurdly large, then the socket is cut.
 */
export async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_DRAIN_BYTES) return { ok: false, reason: 'cut' };
  try {
    const body = await readUpTo(req, MAX_DRAIN_BYTES);
    if (!body) return { ok: false, reason: 'cut' };
    return body.byteLength > MAX_BODY_BYTES ? { ok: false, reason: 'too_large' } : { ok: true, body };
  } catch {
    return { ok: false, reason: 'aborted' };
  }
}

export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
