/**
 * `scene-projects-mcp tenants add|list|rotate|remove|set-key`: the people a hosted server
 * (`--http --tenants`) serves, kept in the state store. API tokens come from standard input, never
 * from a flag (flags show in `ps` and shell history); access tokens are printed once, alone on
 * stdout, so a script can capture them; everything else goes to stderr.
 */
import type { Config } from '../config-shape.js';
import { openStore } from '../store/open.js';
import { tenantAccount } from '../store/tenants.js';
import type { StateStore } from '../store/types.js';
import { usedCredits } from '../store/types.js';
import { checkTenantName, TenantDirectory, TenantError } from './directory.js';

export interface TenantsIo {
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input (the API token). */
  readSecret(prompt: string): Promise<string>;
}

const USAGE =
  'Usage: scene-projects-mcp tenants add NAME [--credit-limit N --credit-period P --read-only --tools a,b] | list | rotate NAME | remove NAME | set-key NAME. The API token is read from standard input.';

export async function runTenantsCommand(config: Config, io: TenantsIo): Promise<number> {
  const [verb, name, ...extra] = config.tenants.args;
  try {
    if (!verb || extra.length || !['add', 'list', 'rotate', 'remove', 'set-key'].includes(verb))
      throw new TenantError(USAGE);
    if (verb === 'list' ? name !== undefined : name === undefined) throw new TenantError(USAGE);
    if (config.store.kind === 'memory')
      throw new TenantError(
        'Tenants are kept in the state store, and the memory store forgets them when this command ends: use --store file (the default) or --store redis://… (TWIN_STORE), the same store the servers use.',
      );
    const storeKey = config.tenants.storeKey;
    if (!storeKey && verb !== 'list' && verb !== 'remove')
      throw new TenantError(
        'TWIN_STORE_KEY (at least 32 characters, e.g. `openssl rand -hex 32`) must be set: it seals the API tokens in the store, and the servers need the same one.',
      );
    const store = await openStore(config.store);
    try {
      return await run(verb, name, config, new TenantDirectory(store.tenants, storeKey ?? ''), store, io);
    } finally {
      await store.close();
    }
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof TenantError ? 2 : 1;
  }
}

async function run(
  verb: string,
  name: string | undefined,
  config: Config,
  dir: TenantDirectory,
  store: StateStore,
  io: TenantsIo,
): Promise<number> {
  const secret = () => io.readSecret(`Scene Projects API token for ${name} (not shown): `);
  switch (verb) {
    case 'list':
      io.out(await listing(dir, store));
      return 0;
    case 'add': {
      checkTenantName(name);
      const access = await dir.add(name!, await secret(), {
        creditLimit: config.consent.creditLimit,
        creditPeriod: config.consent.creditPeriod,
        readOnly: config.readOnly,
        tools: config.tools,
      });
      io.err(`Tenant ${name} added (${store.where}). Their access token, shown only now:\n`);
      io.out(`${access}\n`);
      return 0;
    }
    case 'rotate': {
      const access = await dir.rotate(name!);
      io.err(`Tenant ${name}: the old access token no longer works. The new one, shown only now:\n`);
      io.out(`${access}\n`);
      return 0;
    }
    case 'set-key':
      checkTenantName(name);
      await dir.setKey(name!, await secret());
      io.err(`Tenant ${name}: new API token stored; servers use it from the next request.\n`);
      return 0;
    default:
      await dir.remove(name!);
      io.err(`Tenant ${name} removed: their access token no longer works.\n`);
      return 0;
  }
}

async function listing(dir: TenantDirectory, store: StateStore): Promise<string> {
  const all = await dir.list();
  if (!all.length) return `No tenants in ${store.where}. Add one: tenants add NAME\n`;
  const rows = await Promise.all(
    all.map(async (t) => {
      const used = usedCredits(await store.usage(tenantAccount(t), t.creditPeriod));
      const limit = t.creditLimit === undefined ? 'no limit' : `${t.creditLimit}/${t.creditPeriod}`;
      const access = [t.readOnly ? 'read-only' : '', t.tools ? `tools ${t.tools.join(',')}` : '']
        .filter(Boolean)
        .join('; ');
      const last = t.lastUsedAt
        ? new Date(t.lastUsedAt).toISOString().slice(0, 16).replace('T', ' ')
        : 'never';
      return [
        t.name,
        limit,
        `${used} spent ${t.creditPeriod === 'lifetime' ? 'in all' : `this ${t.creditPeriod}`}`,
        `last use ${last}`,
        access,
      ]
        .filter(Boolean)
        .join('  ·  ');
    }),
  );
  return `${rows.join('\n')}\n`;
}
