/**
 * Tenants as the store keeps them: one record per person a hosted server serves. A record holds the
 * person's upstream token only sealed (tenant-seal.ts) and their access token only as a SHA-256 hash.
 * Money facts of a tenant are keyed by `tenantAccount(record)`, from its id: a name can be removed
 * and given again without inheriting anything.
 */
import { timingSafeEqual } from 'node:crypto';
import type { CreditPeriod } from './period.js';

export interface SealedSecret {
  /** Format of the seal (tenant-seal.ts). */
  v: 1;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

export interface TenantRecord {
  /** Random and stable: what money facts are keyed by. */
  id: string;
  name: string;
  /** SHA-256 of the access token, hex. */
  accessHash: string;
  /** The Scene Projects API token, sealed under TWIN_STORE_KEY. */
  upstream: SealedSecret;
  creditLimit?: number;
  creditPeriod: CreditPeriod;
  readOnly: boolean;
  tools?: string[];
  createdAt: number;
  /** Moves on every change (rotate, set-key): a server rebuilds what it keeps for the tenant. */
  updatedAt: number;
  lastUsedAt?: number;
}

/** The tenants section of a state store. Names are unique; so are access hashes. */
export interface TenantStore {
  /** Stores a new tenant; false when the name is taken. */
  addTenant(record: TenantRecord): Promise<boolean>;
  /** Replaces an existing tenant (same name); false when there is none. */
  replaceTenant(record: TenantRecord): Promise<boolean>;
  getTenant(name: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  removeTenant(name: string): Promise<boolean>;
  /** The tenant whose access hash this is (compared in constant time); undefined when none. */
  tenantByAccessHash(accessHash: string): Promise<TenantRecord | undefined>;
  /** Notes a use (at most once a minute per tenant is enough: `tenants list` shows it). */
  touchTenant(name: string, at: number): Promise<void>;
}

export const tenantAccount = (record: Pick<TenantRecord, 'id'>): string => `tenant-${record.id}`;

/** Constant-time equality of two hex hashes (false for different lengths). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * The tenants section over a plain object of records by name (the memory and file stores keep it in
 * their data). `change` runs an update (the file store's under its lock); `read` reads.
 */
export function tenantsOver(
  read: () => Promise<Record<string, TenantRecord>>,
  change: <T>(fn: (tenants: Record<string, TenantRecord>) => T) => Promise<T>,
): TenantStore {
  const has = (t: Record<string, TenantRecord>, name: string) => Object.hasOwn(t, name);
  return {
    addTenant: (r) =>
      change((t) => {
        if (has(t, r.name) || Object.values(t).some((o) => sameHash(o.accessHash, r.accessHash)))
          return false;
        t[r.name] = r;
        return true;
      }),
    replaceTenant: (r) =>
      change((t) => {
        if (!has(t, r.name)) return false;
        t[r.name] = r;
        return true;
      }),
    getTenant: async (name) => {
      const t = await read();
      return has(t, name) ? t[name] : undefined;
    },
    listTenants: async () => Object.values(await read()).sort((a, b) => a.name.localeCompare(b.name)),
    removeTenant: (name) =>
      change((t) => {
        if (!has(t, name)) return false;
        delete t[name];
        return true;
      }),
    tenantByAccessHash: async (hash) => {
      let found: TenantRecord | undefined;
      // Every record is compared, so the time taken does not say how far the search went.
      for (const r of Object.values(await read())) if (sameHash(r.accessHash, hash)) found ??= r;
      return found;
    },
    touchTenant: (name, at) =>
      change((t) => {
        const r = has(t, name) ? t[name] : undefined;
        if (r && (r.lastUsedAt ?? 0) < at) r.lastUsedAt = at;
      }),
  };
}
