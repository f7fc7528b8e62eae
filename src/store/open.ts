/** Opens the state store a configuration names. */
import { MemoryStore } from './memory.js';
import type { StateStore } from './types.js';

export type StoreSpec = { kind: 'memory' };

export interface OpenOptions {
  /** Milliseconds since the epoch (tests); default `Date.now`. */
  clock?: () => number;
}

export async function openStore(spec: StoreSpec, opts: OpenOptions = {}): Promise<StateStore> {
  switch (spec.kind) {
    case 'memory':
      return new MemoryStore({ clock: opts.clock });
  }
}
