/** Opens the state store a configuration names. */
import { MemoryStore } from './memory.js';
import type { StoreSpec } from './spec.js';
import { defaultStateDir } from './state-dir.js';
import type { StateStore } from './types.js';

export type { StoreSpec } from './spec.js';

export interface OpenOptions {
  /** Milliseconds since the epoch (tests); default `Date.now`. */
  clock?: () => number;
  /** Told when a shared store cannot be reached (it keeps trying). */
  onError?: (message: string) => void;
}

/** The user and password of a store URL: secrets to keep out of every log and message. */
export function storeSecrets(value: string): string[] {
  try {
    const u = new URL(value);
    return [u.password, u.username].map(decodeURIComponent).filter(Boolean);
  } catch {
    return [];
  }
}

/** Opens lazily: nothing touches the disk or the network until the store is first used. */
export async function openStore(spec: StoreSpec, opts: OpenOptions = {}): Promise<StateStore> {
  switch (spec.kind) {
    case 'memory':
      return new MemoryStore({ clock: opts.clock });
    case 'file': {
      const { FileStore } = await import('./file.js');
      return new FileStore({ dir: spec.dir ?? defaultStateDir(), clock: opts.clock });
    }
    case 'redis': {
      // Loaded only here: a server without Redis never loads its client.
      const { openRedisStore } = await import('./redis.js');
      return openRedisStore({ url: spec.url, clock: opts.clock, onError: opts.onError });
    }
  }
}
