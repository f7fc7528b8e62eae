/**
 * One runtime per tenant, built on first use and kept while its record is unchanged: its own
 * upstream client and token, quote signer (a key of its own, so a quote issued to one tenant is
 * refused for every other), credit budget (the tenant's limit, under the server-wide one), watcher,
 * read coalescing and resources. Every money fact is keyed by the tenant's account in the shared
 * store. What hangs off a runtime (server instances, sessions) hangs off the tenant's, so nothing
 * crosses tenants.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../config-shape.js';
import { CreditBudget } from '../consent/budget.js';
import { type Logger, registerSecret } from '../log.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../runtime.js';
import { tenantAccount } from '../store/tenants.js';
import type { Tenant } from './directory.js';

/** The account the server-wide limit (`--credit-limit` with `--tenants`) counts all tenants' spends in. */
export const ALL_TENANTS_ACCOUNT = 'tenants-all';

/** How often cached runtimes are checked against the store. */
const SWEEP_MS = 2000;

/** Who raises a tenant's limit: not the person, whose settings these are not. */
const OPERATOR = 'a request to the operator of this server (scene-projects-mcp tenants)';

export interface TenantEntry {
  tenant: Tenant;
  rt: Runtime;
}

/** What the tenant's runtime is configured with: the server's settings, narrowed by the tenant's. */
export function tenantConfig(base: Config, tenant: Tenant, quoteKey: string): Config {
  const tools =
    tenant.tools && base.tools
      ? tenant.tools.filter((t) => base.tools!.includes(t))
      : (tenant.tools ?? base.tools);
  return {
    ...base,
    api: { ...base.api, token: tenant.upstreamToken },
    sandbox: { ...base.sandbox, enabled: false },
    consent: {
      ...base.consent,
      creditLimit: tenant.creditLimit,
      creditPeriod: tenant.creditPeriod,
      quoteKey,
      // No per-session limit from the operator's single-person settings applies to a tenant's sessions.
      sessionCreditLimit: base.consent.sessionCreditLimit,
    },
    readOnly: base.readOnly || tenant.readOnly,
    ...(tools ? { tools } : {}),
    // The server's disk is no tenant's: save_video is never offered.
    media: { dir: undefined },
  };
}

/** The server's logger, each line naming the tenant it is about (for the operator; never a secret). */
export function tenantLogger(base: Logger, name: string): Logger {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, data?: Record<string, unknown>) =>
    base[level](msg, { tenant: name, ...data });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    get level() {
      return base.level;
    },
    set level(l) {
      base.level = l;
    },
  };
}

export class TenantRuntimes {
  readonly #entries = new Map<string, Promise<TenantEntry>>();
  readonly #serverBudget: CreditBudget;
  readonly #quoteKey: Promise<Uint8Array>;
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(
    private readonly base: Runtime,
    private readonly overrides: Pick<RuntimeOverrides, 'watch' | 'clock'> & { sweepMs?: number } = {},
  ) {
    const { config, store } = base;
    // Open streams and sessions of a removed or rotated tenant end within a sweep, not at their next request.
    this.#sweep = setInterval(() => void this.sweep().catch(() => {}), overrides.sweepMs ?? SWEEP_MS);
    this.#sweep.unref();
    this.#serverBudget = new CreditBudget({
      limit: config.consent.creditLimit,
      label: 'server-wide credit limit',
      store,
      account: ALL_TENANTS_ACCOUNT,
      period: config.consent.creditPeriod,
      setting: OPERATOR,
    });
    this.#quoteKey = (async () =>
      config.consent.quoteKey
        ? Buffer.from(config.consent.quoteKey, 'utf8')
        : ((await store.signingKey?.().catch(() => undefined)) ?? randomBytes(32)))();
  }

  /** The tenant's runtime: cached, rebuilt when its record changed (rotation, new API token). */
  async get(tenant: Tenant): Promise<TenantEntry> {
    if (this.#closed) throw new Error('The server is shutting down.');
    const cached = this.#entries.get(tenant.id);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && entry.tenant.version === tenant.version) return entry;
      if (this.#entries.get(tenant.id) === cached) {
        this.#entries.delete(tenant.id);
        if (entry) void this.#retire(entry);
      }
      return this.get(tenant);
    }
    const built = this.#build(tenant);
    this.#entries.set(tenant.id, built);
    built.catch(() => this.#entries.delete(tenant.id));
    return built;
  }

  /** Hooks run when a tenant's runtime is retired (its handlers close with it). */
  onRetire?: (entry: TenantEntry) => Promise<void>;

  async #build(tenant: Tenant): Promise<TenantEntry> {
    registerSecret(tenant.upstreamToken);
    const key = createHmac('sha256', await this.#quoteKey)
      .update(`scene-projects-mcp tenant quotes ${tenant.id}`)
      .digest('hex');
    const rt = await createRuntime(tenantConfig(this.base.config, tenant, key), {
      ...this.overrides,
      logger: tenantLogger(this.base.logger, tenant.name),
      store: this.base.store,
      sharedStore: true,
      account: tenantAccount(tenant),
      parentBudget: this.#serverBudget,
      limitSetting: OPERATOR,
    });
    return { tenant, rt };
  }

  /** Retires every runtime whose tenant is gone or changed in the store. */
  async sweep(): Promise<void> {
    if (!this.#entries.size) return;
    const records = new Map((await this.base.store.tenants.listTenants()).map((r) => [r.id, r]));
    for (const [id, pending] of this.#entries) {
      const entry = await pending.catch(() => undefined);
      const record = records.get(id);
      if (!entry || (record && record.updatedAt === entry.tenant.version)) continue;
      if (this.#entries.get(id) !== pending) continue;
      this.#entries.delete(id);
      await this.#retire(entry);
    }
  }

  async #retire(entry: TenantEntry): Promise<void> {
    await this.onRetire?.(entry).catch(() => {});
    await entry.rt.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const all = await Promise.all([...this.#entries.values()].map((p) => p.catch(() => undefined)));
    this.#entries.clear();
    await Promise.all(all.filter((e): e is TenantEntry => !!e).map((e) => this.#retire(e)));
  }
}
