/**
 * Something built once per runtime and shared by every server instance (2026-era HTTP builds an
 * instance per request, so per-instance construction is a per-request cost).
 */
import type { Runtime } from './runtime.js';

export function perRuntime<T>(build: (rt: Runtime) => T): (rt: Runtime) => T {
  const cache = new WeakMap<Runtime, T>();
  return (rt) => {
    let v = cache.get(rt);
    if (v === undefined) {
      v = build(rt);
      cache.set(rt, v);
    }
    return v;
  };
}
