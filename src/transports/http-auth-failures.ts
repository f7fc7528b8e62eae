/**
 * Wrong bearer tokens counted per address, so that guessing is slowed to a few tries a minute for one
 * address while every other address goes on unaffected; the table of addresses is bounded.
 */
import { isIP } from 'node:net';

/**
 * The key failures are counted under: an IPv4 address (IPv4-mapped IPv6 included) as is, an IPv6
 * address by its /64 (one host usually holds a whole /64, and could rotate through it).
 */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  if (mapped) return mapped[1]!;
  if (isIP(remote) !== 6) return remote;
  const [head = '', tail = ''] = remote.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = remote.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export interface FailureLimiterOptions {
  /** Failures allowed per window; the next request from that address within the window is refused. */
  max: number;
  windowMs: number;
  /** Addresses remembered at once; past it the stalest entries are forgotten (bounded memory). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  windowStart: number;
}

/**
 * Wrong bearer tokens counted per address in a fixed window. Once an address has failed `max` times,
 * every request from it is refused (a right token too: otherwise guessing would go on at full speed)
 * until its window ends. Other addresses are not affected.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly opts: FailureLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const left = e.windowStart + this.opts.windowMs - this.now();
    if (left <= 0) {
      this.entries.delete(key);
      return 0;
    }
    return e.failures >= this.opts.max ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one failure of `key`; true when this one reached the limit (the address is now refused). */
  fail(key: string): boolean {
    const now = this.now();
    let e = this.entries.get(key);
    if (!e || now - e.windowStart >= this.opts.windowMs) {
      this.entries.delete(key);
      e = { failures: 0, windowStart: now };
      this.makeRoom(now);
    }
    e.failures++;
    // Re-inserted: the map's order is the order of last failure, stalest first.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.failures === this.opts.max;
  }

  private makeRoom(now: number): void {
    // The map is ordered by last failure, stalest first: expired entries sit at the front.
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries && now - e.windowStart < this.opts.windowMs) break;
      this.entries.delete(k);
    }
  }
}
