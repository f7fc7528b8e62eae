/**
 * The tenants of a hosted server: adding, rotating, removing them (the `tenants` command) and
 * finding the one a request's access token names (the HTTP front). `TenantAuth` is the one seam the
 * front depends on: an OAuth front can replace access tokens by implementing it.
 */
import type { CreditPeriod } from '../store/period.js';
import { accessHash, newAccessToken, newTenantId, seal, unseal } from '../store/tenant-seal.js';
import type { TenantRecord, TenantStore } from '../store/tenants.js';

/** The shortest API token a tenant may be given (as for TWIN_API_TOKEN: no real service issues shorter). */
const MIN_UPSTREAM_TOKEN_LENGTH = 8;

/** A tenant as a server uses it: who, with which upstream token, under which limits. */
export interface Tenant {
  id: string;
  name: string;
  /** The person's Scene Projects API token, opened for this process only. */
  upstreamToken: string;
  creditLimit?: number;
  creditPeriod: CreditPeriod;
  readOnly: boolean;
  tools?: string[];
  /** Changes whenever the record does: what a server keeps for the tenant is rebuilt then. */
  version: number;
}

/** Who a request is: the seam between the HTTP front and however people authenticate. */
export interface TenantAuth {
  /** The tenant the bearer token names; undefined for an unknown, rotated or removed one. */
  authenticate(bearerToken: string): Promise<Tenant | undefined>;
  /** Notes that the tenant was served (for `tenants list`). */
  touch(name: string): Promise<void>;
}

export interface TenantSettings {
  creditLimit?: number;
  creditPeriod: CreditPeriod;
  readOnly: boolean;
  tools?: string[];
}

export class TenantError extends Error {
  override readonly name = 'TenantError';
}

/** Names are shown in lists and logs: short, plain, no spaces. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkTenantName(name: string | undefined): string {
  if (!name || !NAME.test(name))
    throw new TenantError(
      `A tenant name is 1–64 letters, digits, ".", "_" or "-" (starting with a letter or digit)${name ? `; got "${name}"` : ': give one, e.g. `tenants add alice`'}.`,
    );
  return name;
}

function checkUpstream(token: string): string {
  const t = token.trim();
  if (t.length < MIN_UPSTREAM_TOKEN_LENGTH)
    throw new TenantError(
      `The Scene Projects API token read from standard input is ${t.length ? 'too short' : 'empty'}: pipe the whole token in, e.g. \`printf %s "$TOKEN" | scene-projects-mcp tenants add NAME\`.`,
    );
  return t;
}

export class TenantDirectory implements TenantAuth {
  constructor(
    private readonly store: TenantStore,
    private readonly storeKey: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Adds a tenant; returns its access token (shown once, never stored). */
  async add(name: string, upstreamToken: string, settings: TenantSettings): Promise<string> {
    checkTenantName(name);
    const id = newTenantId();
    const access = newAccessToken();
    const now = this.clock();
    const record: TenantRecord = {
      id,
      name,
      accessHash: accessHash(access),
      upstream: seal(this.storeKey, id, checkUpstream(upstreamToken)),
      ...(settings.creditLimit === undefined ? {} : { creditLimit: settings.creditLimit }),
      creditPeriod: settings.creditPeriod,
      readOnly: settings.readOnly,
      ...(settings.tools ? { tools: settings.tools } : {}),
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.store.addTenant(record)))
      throw new TenantError(
        `A tenant named "${name}" exists already: pick another name, or \`tenants remove ${name}\` first.`,
      );
    return access;
  }

  /** A new access token; the old one stops with the next request on every replica. */
  async rotate(name: string): Promise<string> {
    const access = newAccessToken();
    await this.#change(name, (r) => ({ ...r, accessHash: accessHash(access) }));
    return access;
  }

  async setKey(name: string, upstreamToken: string): Promise<void> {
    const token = checkUpstream(upstreamToken);
    await this.#change(name, (r) => ({ ...r, upstream: seal(this.storeKey, r.id, token) }));
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.removeTenant(checkTenantName(name)))) throw this.#unknown(name);
  }

  list(): Promise<TenantRecord[]> {
    return this.store.listTenants();
  }

  async authenticate(bearerToken: string): Promise<Tenant | undefined> {
    const r = await this.store.tenantByAccessHash(accessHash(bearerToken));
    if (!r) return undefined;
    return {
      id: r.id,
      name: r.name,
      upstreamToken: unseal(this.storeKey, r.id, r.upstream),
      ...(r.creditLimit === undefined ? {} : { creditLimit: r.creditLimit }),
      creditPeriod: r.creditPeriod,
      readOnly: r.readOnly,
      ...(r.tools ? { tools: r.tools } : {}),
      version: r.updatedAt,
    };
  }

  touch(name: string): Promise<void> {
    return this.store.touchTenant(name, this.clock());
  }

  async #change(name: string, fn: (r: TenantRecord) => TenantRecord): Promise<void> {
    const old = await this.store.getTenant(checkTenantName(name));
    if (!old) throw this.#unknown(name);
    const next = { ...fn(old), updatedAt: Math.max(this.clock(), old.updatedAt + 1) };
    delete next.lastUsedAt;
    if (!(await this.store.replaceTenant(next))) throw this.#unknown(name);
  }

  #unknown(name: string): TenantError {
    return new TenantError(`No tenant is named "${name}". \`tenants list\` shows them.`);
  }
}
