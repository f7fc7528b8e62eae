/**
 * Resources, prompts and subscriptions added to every server instance, whatever the transport:
 * pass `liveExtension(rt)` as buildServer's options. Logging (`logging/setLevel`) comes with the
 * `logging` capability buildServer declares.
 */
import { registerPrompts } from '../prompts/index.js';
import { registerProjectResources } from '../resources/index.js';
import type { Runtime } from '../runtime.js';
import type { BuildOptions } from '../server.js';
import { registerSubscriptions } from './subscriptions.js';

export function liveExtension(_rt: Runtime): BuildOptions {
  return {
    extend(server, rt, session, ctx) {
      registerProjectResources(server, rt);
      registerPrompts(server, rt);
      // resources/subscribe exists only in the 2025 protocol; 2026 clients use subscriptions/listen.
      if (ctx?.era !== 'modern') registerSubscriptions(server, rt, session);
    },
  };
}
