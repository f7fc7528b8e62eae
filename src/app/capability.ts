/**
 * MCP Apps (extension `io.modelcontextprotocol/ui`): does this client render apps? A 2025-era
 * client says so once in `initialize`; a 2026-era client says so with every request, in the
 * request's `_meta` envelope. Read whichever applies, never only the first: over a modern
 * connection `getClientCapabilities()` can be empty.
 */
import { CLIENT_CAPABILITIES_META_KEY, type McpServer } from '@modelcontextprotocol/server';

export const UI_EXTENSION = 'io.modelcontextprotocol/ui';
export const APP_MIME_TYPE = 'text/html;profile=mcp-app';

interface Caps {
  extensions?: Record<string, unknown>;
}

/** True when the capabilities announce the UI extension for our HTML profile. */
export function announcesUi(caps: Caps | undefined | null): boolean {
  const ext = caps?.extensions?.[UI_EXTENSION] as { mimeTypes?: unknown } | undefined;
  if (!ext || typeof ext !== 'object') return false;
  return !Array.isArray(ext.mimeTypes) || ext.mimeTypes.includes(APP_MIME_TYPE);
}

/** A request context as handlers receive it; only the envelope is read. */
export interface EnvelopeCarrier {
  mcpReq: { envelope?: unknown };
}

export function clientRendersApps(server: McpServer, ctx: EnvelopeCarrier | undefined): boolean {
  const perRequest = (ctx?.mcpReq.envelope as Record<string, unknown> | undefined)?.[
    CLIENT_CAPABILITIES_META_KEY
  ] as Caps | undefined;
  return announcesUi(perRequest ?? (server.server.getClientCapabilities() as Caps | undefined));
}
