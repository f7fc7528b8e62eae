/** Resources, prompts and subscriptions added to every server instance (filled in by the live-projects layer). */
import type { Runtime } from '../runtime.js';
import type { BuildOptions } from '../server.js';

export function liveExtension(_rt: Runtime): BuildOptions {
  return {};
}
