/**
 * Who serves an MCP request over HTTP once the Host, Origin and body checks have passed: in
 * single-person mode the one pair of handlers on the server's runtime; with `--tenants`, the
 * handlers of the tenant the bearer names (http-tenants.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { liveExtension } from '../resources/extension.js';
import type { Runtime } from '../runtime.js';
import { type LegacyHandler, legacyHandler } from './http-legacy.js';
import { type ModernHandler, modernHandler } from './http-modern.js';

export interface Handlers {
  legacy: LegacyHandler;
  modern: ModernHandler;
  /** A per-handler cap on requests that hold the connection; false once it answered a refusal. */
  hold?(req: IncomingMessage, res: ServerResponse, body: unknown): boolean;
}

export interface HttpFront {
  /** The handlers for this request; undefined once the front answered it itself (401, 429, 503). */
  admit(req: IncomingMessage, res: ServerResponse): Promise<Handlers | undefined> | Handlers | undefined;
  /** 2025-era sessions open (what /healthz reports). */
  readonly sessions: number;
  close(): Promise<void>;
}

export function handlersFor(rt: Runtime, maxBody: number): Handlers {
  const buildOpts = liveExtension(rt);
  return { legacy: legacyHandler(rt, buildOpts, maxBody), modern: modernHandler(rt, buildOpts, maxBody) };
}

export function singleFront(rt: Runtime, maxBody: number): HttpFront {
  const handlers = handlersFor(rt, maxBody);
  return {
    admit: () => handlers,
    get sessions() {
      return handlers.legacy.sessions;
    },
    async close() {
      await Promise.allSettled([handlers.legacy.close(), handlers.modern.close()]);
    },
  };
}
