/** stdio: one connection, one session. stdout carries JSON-RPC only; every log goes to stderr. */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Runtime } from '../runtime.js';
import { type BuildOptions, buildServer, newSession } from '../server.js';

export function serveStdioMode(rt: Runtime, opts: BuildOptions = {}): { close(): Promise<void> } {
  const session = newSession(rt, 'stdio');
  const handle = serveStdio((ctx) => buildServer(rt, session, ctx, opts), {
    onerror: (err) => rt.logger.warn('stdio transport error', { error: err.message }),
  });
  rt.logger.info(
    `serving MCP over stdio (${rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live API' : 'no API token set'})`,
  );
  return handle;
}
