/** Opens the state store a configuration names. */
import { MemoryStore } from './memory.js';
import type { StateStore } from './types.js';

export type StoreSpec = { kind: 'memory' } | { kind: 'redis'; url: string };

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

/** The spec a validated `--store` value names. */
export const storeSpecOf = (value: string): StoreSpec =>
  /^rediss?:/i.test(value) ? { kind: 'redis', url: value } : { kind: 'memory' };

export async function openStore(spec: StoreSpec, opts: OpenOptions = {}): Promise<StateStore> {
  switch (spec.kind) {
    case 'memory':
      return new MemoryStore({ clock: opts.clock });
    case 'redis': {
      // Loaded only here: a server without Redis never loads its client.
      const { openRedisStore } = await import('./redis.js');
      return openRedisStore({ url: spec.url, clock: opts.clock, onError: opts.onError });
    }
  }
}
