/**
 * What a client that does not render MCP Apps is shown: exactly what it saw before the app existed.
 * `tools/list` drops the app-only tools (`_meta.ui.visibility` without "model") and the `_meta.ui`
 * of the others; `resources/list` drops the app's HTML resource. Decided per request, because a
 * 2026-era client announces its capabilities with each request.
 *
 * McpServer installs its list handlers itself on the first registration; wrapping
 * `setRequestHandler` before that is the one public seam that sees them.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { APP_MIME_TYPE, clientRendersApps, type EnvelopeCarrier } from './capability.js';

type Handler = (req: unknown, ctx: EnvelopeCarrier) => unknown;

interface Listed {
  _meta?: Record<string, unknown>;
  mimeType?: string;
}

const appOnly = (t: Listed): boolean => {
  const v = (t._meta?.ui as { visibility?: unknown } | undefined)?.visibility;
  return Array.isArray(v) && !v.includes('model');
};

function withoutUiMeta<T extends Listed>(t: T): T {
  if (!t._meta || !('ui' in t._meta)) return t;
  const { ui: _ui, ...rest } = t._meta;
  const out = { ...t };
  if (Object.keys(rest).length) out._meta = rest;
  else delete out._meta;
  return out;
}

const filters: Record<string, (result: Record<string, unknown>) => Record<string, unknown>> = {
  'tools/list': (r) => ({
    ...r,
    tools: (r.tools as Listed[]).filter((t) => !appOnly(t)).map(withoutUiMeta),
  }),
  'resources/list': (r) => ({
    ...r,
    resources: (r.resources as Listed[]).filter((x) => x.mimeType !== APP_MIME_TYPE),
  }),
};

/** Call right after constructing the server, before anything is registered. */
export function hideAppFromPlainClients(server: McpServer): void {
  const inner = server.server as unknown as { setRequestHandler: (...args: unknown[]) => unknown };
  const set = inner.setRequestHandler.bind(inner);
  inner.setRequestHandler = (method: unknown, ...rest: unknown[]) => {
    const filter = typeof method === 'string' ? filters[method] : undefined;
    const handler = rest[0];
    if (!filter || rest.length !== 1 || typeof handler !== 'function') return set(method, ...rest);
    return set(method, async (req: unknown, ctx: EnvelopeCarrier) => {
      const result = (await (handler as Handler)(req, ctx)) as Record<string, unknown>;
      return clientRendersApps(server, ctx) ? result : filter(result);
    });
  };
}
