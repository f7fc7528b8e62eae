/**
 * Resources, prompts and subscriptions added to every server instance, whatever the transport:
 * pass `liveExtension(rt)` as buildServer's options. Logging (`logging/setLevel`) comes with the
 * `logging` capability buildServer declares.
 */
import type { McpRequestContext, McpServer } from '@modelcontextprotocol/server';
import { registerPrompts } from '../prompts/index.js';
import type { Runtime, SessionState } from '../runtime.js';
import { registerProjectResources } from './index.js';
import { registerSubscriptions } from './subscriptions.js';

/** buildServer's `extend` option (typed here so that this layer need not import the server's). */
export interface ServerExtension {
  extend(server: McpServer, rt: Runtime, session: SessionState, ctx?: McpRequestContext): void;
}

export function liveExtension(_rt: Runtime): ServerExtension {
  return {
    extend(server, rt, session, ctx) {
      registerProjectResources(server, rt);
      registerPrompts(server, rt);
      // resources/subscribe exists only in the 2025 protocol; 2026 clients use subscriptions/listen.
      if (ctx?.era !== 'modern') registerSubscriptions(server, rt, session);
    },
  };
}
