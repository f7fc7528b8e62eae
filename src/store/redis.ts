/**
 * The `redis://…` store: state shared by replicas through Redis 7 (the `redis` client, loaded only
 * when this store is chosen). Quotes are single use by SET NX with their expiry; reserve and settle
 * are each one Lua script, so no two replicas interleave inside one; leases (project locks, poll
 * leases) carry their holder; events ride Redis pub/sub.
 *
 * Fail closed: commands are never queued while Redis is away (`disableOfflineQueue`) and time out
 * quickly, so a spend is refused at once with `StoreUnavailableError` (nothing spent); the client
 * reconnects on its own, and the next call after Redis is back simply works.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import * as ledger from './ledger.js';
import type { CreditPeriod } from './period.js';
import { oldestKeptDay, periodStart } from './period.js';
import {
  ACQUIRE_SCRIPT,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  RESERVE_SCRIPT,
  SETTLE_SCRIPT,
  USAGE_SCRIPT,
  USE_QUOTE_SCRIPT,
} from './redis-scripts.js';
import { redisTenants } from './redis-tenants.js';
import type { TenantStore } from './tenants.js';
import {
  type ReserveRequest,
  type ReserveResult,
  type SpendOutcome,
  type SpendRecord,
  STATE_FORMAT_VERSION,
  type StateStore,
  type StoreEvents,
  StoreUnavailableError,
  type Usage,
} from './types.js';

export interface RedisStoreOptions {
  url: string;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
  /** How long a command may take before the store counts as unavailable. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Told about connection trouble (already redacted: never the URL's password). */
  onError?: (message: string) => void;
}

type Client = RedisClientType;

/** Every key of this format version starts here; a new format gets a new prefix and a migration. */
const PREFIX = `spmcp:v${STATE_FORMAT_VERSION}`;
const RELEASED_CHANNEL = `${PREFIX}:released`;

/** The URL as it may be shown: no user or password. */
export function redisWhere(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'redis';
  }
}

class Script {
  readonly sha: string;
  constructor(readonly text: string) {
    this.sha = createHash('sha1').update(text).digest('hex');
  }
}

const SCRIPTS = {
  usage: new Script(USAGE_SCRIPT),
  reserve: new Script(RESERVE_SCRIPT),
  settle: new Script(SETTLE_SCRIPT),
  useQuote: new Script(USE_QUOTE_SCRIPT),
  acquire: new Script(ACQUIRE_SCRIPT),
  renew: new Script(RENEW_SCRIPT),
  release: new Script(RELEASE_SCRIPT),
};

export async function openRedisStore(opts: RedisStoreOptions): Promise<RedisStore> {
  const { createClient } = await import('redis');
  const timeout = opts.commandTimeoutMs ?? 2000;
  const where = redisWhere(opts.url);
  let lastWarn = 0;
  const client = createClient({
    url: opts.url,
    disableOfflineQueue: true,
    commandOptions: { timeout },
    socket: {
      connectTimeout: timeout,
      // Keep trying, at most every 2 s: a Redis that comes back is used again without a restart.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  }) as unknown as Client;
  client.on('error', (err: Error) => {
    // The client reports every failed reconnect: tell once every 30 s at most.
    if (Date.now() - lastWarn < 30_000) return;
    lastWarn = Date.now();
    opts.onError?.(`the Redis store at ${where} is unavailable: ${err.message}`);
  });
  // Start without waiting for Redis: reads work meanwhile, and spending is refused until it answers.
  client.connect().catch(() => {});
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeout);
    client.once('ready', done);
  });
  return new RedisStore(client, where, opts.clock ?? Date.now);
}

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  readonly events: StoreEvents;
  readonly tenants: TenantStore;
  #subscriber?: Promise<Client>;
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  constructor(
    private readonly client: Client,
    readonly where: string,
    private readonly now: () => number,
  ) {
    this.tenants = redisTenants(client, PREFIX, (fn) => this.#run(fn));
    this.events = {
      publish: async (channel, message) => {
        await this.#run(() => this.client.publish(`${PREFIX}:ev:${channel}`, message));
      },
      subscribe: async (channel, listener) => {
        const sub = await this.#sub();
        const name = `${PREFIX}:ev:${channel}`;
        const fn = (message: string) => listener(message);
        await this.#run(() => sub.subscribe(name, fn));
        let done = false;
        return async () => {
          if (done) return;
          done = true;
          await sub.unsubscribe(name, fn).catch(() => {});
        };
      },
    };
  }

  /** A second connection for pub/sub (a subscribed connection can do nothing else). */
  #sub(): Promise<Client> {
    this.#subscriber ??= (async () => {
      const sub = this.client.duplicate() as Client;
      sub.on('error', () => {}); // the main client reports trouble
      await sub.connect();
      await sub.subscribe(RELEASED_CHANNEL, (key: string) => this.#wake(key));
      return sub;
    })().catch((err: unknown) => {
      this.#subscriber = undefined; // try again on the next use
      throw err;
    });
    return this.#subscriber;
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError(this.where, err);
    }
  }

  async #eval(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    const arguments_ = args.map(String);
    return this.#run(async () => {
      try {
        return await this.client.evalSha(script.sha, { keys, arguments: arguments_ });
      } catch (err) {
        if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
        return this.client.eval(script.text, { keys, arguments: arguments_ });
      }
    });
  }

  #keys(account: string): string[] {
    const base = `${PREFIX}:{${account}}`;
    return [`${base}:open`, `${base}:days`, `${base}:life`, `${base}:recent`];
  }

  async useQuote(account: string, quoteId: string, expiresAt: number): Promise<boolean> {
    const key = `${PREFIX}:{${account}}:quote:${quoteId}`;
    return (await this.#eval(SCRIPTS.useQuote, [key], [Math.ceil(expiresAt), this.now()])) === 1;
  }

  async releaseQuote(account: string, quoteId: string): Promise<boolean> {
    const key = `${PREFIX}:{${account}}:quote:${quoteId}`;
    return (await this.#run(() => this.client.del(key))) > 0;
  }

  #periodArgs(period: CreditPeriod, now: number): [number, string, string] {
    const first = period === 'lifetime' ? '' : new Date(periodStart(period, now)).toISOString().slice(0, 10);
    return [now, first, oldestKeptDay(now)];
  }

  async reserve(account: string, req: ReserveRequest): Promise<ReserveResult> {
    const now = this.now();
    const record: SpendRecord & { _day: string } = {
      ...ledger.heldRecord(req, now),
      _day: new Date(now).toISOString().slice(0, 10),
    };
    const limit = req.limit === undefined ? '' : req.limit;
    const args = [...this.#periodArgs(req.period, now), req.id, req.credits, limit, JSON.stringify(record)];
    const [ok, spent, open, recent] = (await this.#eval(SCRIPTS.reserve, this.#keys(account), args)) as [
      number,
      number,
      string[],
      string[],
    ];
    return { ok: ok === 1, usage: toUsage(req.period, now, spent, open, recent) } as ReserveResult;
  }

  async settle(account: string, id: string, outcome: SpendOutcome, credits?: number): Promise<boolean> {
    const amount = ledger.isAmount(credits) ? credits : '';
    const args = [id, outcome, amount, this.now(), ledger.RECENT_KEPT];
    return (await this.#eval(SCRIPTS.settle, this.#keys(account), args)) === 1;
  }

  async usage(account: string, period: CreditPeriod): Promise<Usage> {
    const now = this.now();
    const reply = await this.#eval(SCRIPTS.usage, this.#keys(account), this.#periodArgs(period, now));
    const [spent, open, recent] = reply as [number, string[], string[]];
    return toUsage(period, now, spent, open, recent);
  }

  // ---- leases: project locks and poll leases ----

  async acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#eval(SCRIPTS.acquire, [`${PREFIX}:lease:${key}`], [owner, ttlMs, this.now()])) === 1;
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#eval(SCRIPTS.renew, [`${PREFIX}:lease:${key}`], [owner, ttlMs, this.now()])) === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#eval(SCRIPTS.release, [`${PREFIX}:lease:${key}`], [owner, RELEASED_CHANNEL]);
  }

  /** Resolves when any replica releases `key`, or after `ms` (an expiring lease is not announced). */
  async released(key: string, ms: number): Promise<void> {
    const full = `${PREFIX}:lease:${key}`;
    await this.#sub().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const set = this.#waiters.get(full) ?? new Set<() => void>();
      this.#waiters.set(full, set);
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (!set.size) this.#waiters.delete(full);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      set.add(wake);
    });
  }

  #wake(key: string): void {
    for (const wake of [...(this.#waiters.get(key) ?? [])]) wake();
  }

  /** A name for this process among replicas (poll-lease owner). */
  readonly replicaId = randomUUID();

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const set of this.#waiters.values()) for (const wake of [...set]) wake();
    const sub = this.#subscriber ? await this.#subscriber.catch(() => undefined) : undefined;
    await Promise.all([sub, this.client].map((c) => c?.close().catch(() => c.destroy())));
  }
}

function toUsage(period: CreditPeriod, now: number, spent: number, open: string[], recent: string[]): Usage {
  const records = open.map(record).sort((x, y) => x.at - y.at);
  const sum = (state: SpendRecord['state']) =>
    records.filter((r) => r.state === state).reduce((s, r) => s + r.credits, 0);
  return {
    period,
    since: periodStart(period, now),
    spent: Number(spent),
    held: sum('held'),
    unsettled: sum('unknown'),
    open: records,
    recent: recent.map(record).reverse(),
  };
}

function record(json: string): SpendRecord {
  const { _day: _, ...r } = JSON.parse(json) as SpendRecord & { _day?: string };
  return r;
}
