/**
 * The `file` store: a small JSON state file in the user's state directory, shared by every server
 * process of this user on this machine (hosts restart servers often, and run several at once).
 *
 * Each change runs under an inter-process lock (proper-lockfile: a lock directory with a stale-lock
 * timeout, so a crashed holder cannot block the others for long), reads the file, changes it, and
 * writes it atomically (write-file-atomic: a temporary file renamed over it), so a reader never sees
 * half a file and a crash never leaves one. Reads take no lock. The file and the quote-signing key
 * are readable by the user only.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import * as ledger from './ledger.js';
import { migrate, StateFormatError } from './migrate.js';
import type { CreditPeriod } from './period.js';
import { type TenantStore, tenantsOver } from './tenants.js';
import {
  type ReserveRequest,
  type ReserveResult,
  type SpendOutcome,
  type StateStore,
  StoreUnavailableError,
  type Usage,
} from './types.js';

export const STATE_FILE = 'state.json';
export const KEY_FILE = 'quote-key';
const KEY_BYTES = 32;

export interface FileStoreOptions {
  /** The directory holding the state file and the quote-signing key. */
  dir: string;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

const code = (err: unknown) => (err as NodeJS.ErrnoException)?.code;

export class FileStore implements StateStore {
  readonly kind = 'file' as const;
  readonly where: string;
  readonly dir: string;
  readonly file: string;
  readonly #clock: () => number;
  /** Changes from this process go one at a time, so they queue here rather than contend for the lock. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly tenants: TenantStore = tenantsOver(
    () => this.#guard(async () => (await this.#read()).tenants ?? {}),
    (fn) =>
      this.#update((d) => {
        d.tenants ??= {};
        return fn(d.tenants);
      }),
  );

  constructor(opts: FileStoreOptions) {
    this.dir = opts.dir;
    this.file = join(opts.dir, STATE_FILE);
    this.where = `file ${this.file}`;
    this.#clock = opts.clock ?? Date.now;
  }

  useQuote(account: string, quoteId: string, expiresAt: number): Promise<boolean> {
    return this.#update((d, now) => ledger.useQuote(ledger.accountOf(d, account), quoteId, expiresAt, now));
  }

  releaseQuote(account: string, quoteId: string): Promise<boolean> {
    return this.#update((d) => ledger.releaseQuote(ledger.accountOf(d, account), quoteId));
  }

  reserve(account: string, req: ReserveRequest): Promise<ReserveResult> {
    return this.#update((d, now) => ledger.reserve(ledger.accountOf(d, account), req, now));
  }

  settle(account: string, id: string, outcome: SpendOutcome, credits?: number): Promise<boolean> {
    return this.#update((d, now) => ledger.settle(ledger.accountOf(d, account), id, outcome, credits, now));
  }

  usage(account: string, period: CreditPeriod): Promise<Usage> {
    return this.#guard(async () => {
      const d = await this.#read();
      return ledger.usage(ledger.accountOf(d, account), period, this.#now());
    });
  }

  acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#update((d, now) => {
      const h = d.locks[key];
      if (h && h.until > now && h.owner !== owner) return false;
      d.locks[key] = { owner, until: now + ttlMs };
      return true;
    });
  }

  renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.#update((d, now) => {
      const h = d.locks[key];
      if (!h || h.owner !== owner) return false;
      h.until = now + ttlMs;
      return true;
    });
  }

  async release(key: string, owner: string): Promise<void> {
    await this.#update((d) => {
      if (d.locks[key]?.owner === owner) delete d.locks[key];
    });
  }

  /** The key in `quote-key` (hex), created on first use with mode 0600 and published atomically. */
  signingKey(): Promise<Uint8Array> {
    return this.#guard(async () => {
      const path = join(this.dir, KEY_FILE);
      const existing = await readKey(path);
      if (existing) return existing;
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const key = randomBytes(KEY_BYTES);
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(tmp, `${key.toString('hex')}\n`, { mode: 0o600 });
      try {
        await link(tmp, path); // fails if another process published its key first: then use that one
        return key;
      } catch (err) {
        if (code(err) !== 'EEXIST') throw err;
        const theirs = await readKey(path);
        if (!theirs)
          throw new Error(`${path} is damaged: delete it (quotes not yet confirmed will need a new one)`);
        return theirs;
      } finally {
        await unlink(tmp).catch(() => {});
      }
    });
  }

  async close(): Promise<void> {}

  #now(): number {
    const t = this.#clock();
    return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
  }

  async #read(): Promise<ledger.StateData> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT') return migrate(undefined, this.file);
      throw err;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new StateFormatError(`${this.file} is not valid JSON. Move it away to start afresh.`);
    }
    return migrate(raw, this.file);
  }

  /** Read, change, write atomically, all under the inter-process lock. */
  #update<T>(change: (d: ledger.StateData, now: number) => T): Promise<T> {
    const run = this.#queue.then(() => this.#locked(change));
    this.#queue = run.catch(() => {});
    return run;
  }

  #locked<T>(change: (d: ledger.StateData, now: number) => T): Promise<T> {
    return this.#guard(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const unlock = await lockfile.lock(this.file, {
        realpath: false, // the state file may not exist yet
        stale: 5000, // a holder that died frees the lock after 5 s
        update: 1000,
        retries: { retries: 200, factor: 1.3, minTimeout: 2, maxTimeout: 50 },
        // Our hold lasts milliseconds; a lock compromised meanwhile is noticed by the next change.
        onCompromised: () => {},
      });
      try {
        const data = await this.#read();
        const now = this.#now();
        const result = change(data, now);
        for (const [k, h] of Object.entries(data.locks)) if (h.until <= now) delete data.locks[k];
        await writeFileAtomic(this.file, JSON.stringify(data), { mode: 0o600 });
        return result;
      } finally {
        await unlock().catch(() => {});
      }
    });
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(this.where, err);
    }
  }
}

async function readKey(path: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  }
  if (!/^[0-9a-f]+$/i.test(text) || text.length < KEY_BYTES * 2)
    throw new Error(`${path} is damaged: delete it (quotes not yet confirmed will need a new one)`);
  return Buffer.from(text, 'hex');
}
