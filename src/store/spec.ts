/** How a store is named on the command line: `memory`, `file`, or a Redis URL. */

import type { StoreSpec } from '../config-shape.js';

export type { StoreSpec } from '../config-shape.js';

/** Reads `memory`, `file` or a `redis://` / `rediss://` URL; undefined for anything else. */
export function parseStoreSpec(text: string): StoreSpec | undefined {
  const t = text.trim();
  if (t.toLowerCase() === 'memory') return { kind: 'memory' };
  if (t.toLowerCase() === 'file') return { kind: 'file' };
  if (/^rediss?:\/\/./i.test(t) && URL.canParse(t)) return { kind: 'redis', url: t };
  return undefined;
}
