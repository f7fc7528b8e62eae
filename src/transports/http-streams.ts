/**
 * A cap on the HTTP requests that hold a connection open: GET streams (2025 era),
 * `subscriptions/listen` (2026 era) and tool calls asked to wait. Each takes a place until its
 * response closes; past the cap a request is answered 503 with Retry-After.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonError } from './http-guards.js';

/**
 * Does this request hold its connection open for long: a GET (the 2025-era SSE stream), a
 * `subscriptions/listen` (the 2026-era one), or a tool call asked to wait (`wait_seconds` > 0)?
 */
export function holdsConnection(method: string | undefined, body: unknown): boolean {
  if (method === 'GET') return true;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const msg = body as { method?: unknown; params?: { arguments?: { wait_seconds?: unknown } } };
  if (msg.method === 'subscriptions/listen') return true;
  return msg.method === 'tools/call' && Number(msg.params?.arguments?.wait_seconds) > 0;
}

/** At most `max` held connections at once; `open()` gives the release function, or undefined when full. */
export class StreamCap {
  private count = 0;

  constructor(readonly max: number) {}

  get open(): number {
    return this.count;
  }

  tryOpen(): (() => void) | undefined {
    if (this.count >= this.max) return undefined;
    this.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count--;
    };
  }
}

/** How often, at most, refusals past the cap are logged (a flood must not flood the log). */
const REFUSAL_LOG_MS = 10_000;

/**
 * The cap applied to requests: a request that holds its connection takes a place until its response
 * closes; past the cap it is answered 503 with Retry-After (and its JSON-RPC id, when it has one).
 */
export function streamGate(
  cap: StreamCap,
  log: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse, body: unknown) => boolean {
  let refusedSinceLog = 0;
  let lastLog = Number.NEGATIVE_INFINITY;
  return (req, res, body) => {
    if (!holdsConnection(req.method, body)) return true;
    const release = cap.tryOpen();
    if (release) {
      res.once('close', release);
      return true;
    }
    refusedSinceLog++;
    if (Date.now() - lastLog >= REFUSAL_LOG_MS) {
      log(
        `HTTP stream refused: all ${cap.max} held connections are in use (${refusedSinceLog} refused since the last such line)`,
      );
      refusedSinceLog = 0;
      lastLog = Date.now();
    }
    const id = (body as { id?: unknown } | undefined)?.id;
    sendJsonError(
      res,
      503,
      -32000,
      `Too many open streams: all ${cap.max} are in use (GET streams, subscriptions/listen, and calls with ` +
        'wait_seconds; the limit is set by --max-streams / MCP_HTTP_MAX_STREAMS). Try again later, close a ' +
        'stream you no longer use, or call with wait_seconds 0 (never limited).',
      { 'retry-after': '5' },
      typeof id === 'string' || Number.isInteger(id) ? (id as string | number) : null,
    );
    return false;
  };
}
