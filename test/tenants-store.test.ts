/**
 * Tenants in the store: the same section on memory, file and a real Redis; the seal of API tokens;
 * the `tenants` command (add, list, rotate, set-key, remove) on the file store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { FileStore } from '../src/store/file.js';
import { MemoryStore } from '../src/store/memory.js';
import { openRedisStore } from '../src/store/redis.js';
import { seal, unseal } from '../src/store/tenant-seal.js';
import type { TenantStore } from '../src/store/tenants.js';
import { runTenantsCommand } from '../src/tenants/cli.js';
import { TenantDirectory } from '../src/tenants/directory.js';
import { describeWithRedis, type RedisServer, startRedis } from './helpers/redis-server.js';

const KEY = 'k'.repeat(40);
const UPSTREAM_A = 'upstream-token-of-alice';
const UPSTREAM_B = 'upstream-token-of-bob';
const settings = { creditPeriod: 'lifetime' as const, readOnly: false };

function tenantContract(open: () => Promise<{ tenants: TenantStore; close(): Promise<void> }>) {
  it('adds, finds by access token, rotates, re-keys and removes; names and access hashes are unique', async () => {
    const store = await open();
    let now = 1_000;
    const dir = new TenantDirectory(store.tenants, KEY, () => now);
    const a = await dir.add('alice', UPSTREAM_A, { ...settings, creditLimit: 300 });
    const b = await dir.add('bob', UPSTREAM_B, { ...settings, readOnly: true, tools: ['get_project'] });
    expect(a).toMatch(/^spm_[A-Za-z0-9_-]{43}$/);
    await expect(dir.add('alice', UPSTREAM_B, settings)).rejects.toThrow(/exists already/);
    const alice = await dir.authenticate(a);
    expect(alice).toMatchObject({ name: 'alice', upstreamToken: UPSTREAM_A, creditLimit: 300 });
    expect(await dir.authenticate(b)).toMatchObject({
      name: 'bob',
      upstreamToken: UPSTREAM_B,
      readOnly: true,
    });
    expect(await dir.authenticate(`${a}x`)).toBeUndefined();
    // Nothing secret is kept in the clear.
    const listed = JSON.stringify(await dir.list());
    for (const secret of [a, b, UPSTREAM_A, UPSTREAM_B]) expect(listed).not.toContain(secret);
    now = 2_000;
    const a2 = await dir.rotate('alice');
    expect(await dir.authenticate(a)).toBeUndefined();
    expect((await dir.authenticate(a2))?.version).toBeGreaterThan(alice!.version);
    await dir.setKey('alice', 'a-new-upstream-token');
    expect((await dir.authenticate(a2))?.upstreamToken).toBe('a-new-upstream-token');
    await dir.touch('bob');
    expect((await dir.list()).map((t) => [t.name, t.lastUsedAt])).toEqual([
      ['alice', undefined],
      ['bob', 2_000],
    ]);
    await dir.remove('bob');
    expect(await dir.authenticate(b)).toBeUndefined();
    await expect(dir.remove('bob')).rejects.toThrow(/No tenant is named "bob"/);
    await expect(dir.rotate('nobody')).rejects.toThrow(/No tenant/);
    await store.close();
  });
}

describe('tenants: memory store', () => tenantContract(async () => new MemoryStore()));

describe('tenants: file store', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  tenantContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
    dirs.push(dir);
    return new FileStore({ dir });
  });
});

describeWithRedis('tenants: redis store', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  tenantContract(() => openRedisStore({ url: redis.url }));
});

describe('tenants: sealing the API token', () => {
  it('opens only with the same key and for the same tenant', () => {
    const sealed = seal(KEY, 'id-1', UPSTREAM_A);
    expect(JSON.stringify(sealed)).not.toContain(UPSTREAM_A);
    expect(unseal(KEY, 'id-1', sealed)).toBe(UPSTREAM_A);
    expect(() => unseal('z'.repeat(40), 'id-1', sealed)).toThrow(/another key/);
    expect(() => unseal(KEY, 'id-2', sealed)).toThrow(/another key/);
    expect(() => seal('short', 'id-1', UPSTREAM_A)).toThrow(/at least 32 characters/);
  });
});

describe('tenants: the command', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tenants-cli-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const env = { TWIN_STORE_KEY: KEY, TWIN_STATE_DIR: stateDir };
  async function cli(args: string[], stdin = '', environment: Record<string, string> = env) {
    let out = '';
    let err = '';
    const config = loadConfig(['tenants', ...args, '--store', 'file', '--state-dir', stateDir], environment);
    const code = await runTenantsCommand(config, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      readSecret: async () => stdin,
    });
    return { code, out, err };
  }

  it('adds with limits from flags, prints the access token once, lists without secrets, rotates, removes', async () => {
    const added = await cli(
      ['add', 'alice', '--credit-limit', '500', '--credit-period', 'month'],
      UPSTREAM_A,
    );
    expect(added.code).toBe(0);
    const token = added.out.trim();
    expect(token).toMatch(/^spm_/);
    expect(added.err).toContain('shown only now');
    // The server's own TWIN_CREDIT_LIMIT is not a tenant's: only the command's flags set those.
    expect(
      (await cli(['add', 'bob', '--read-only'], UPSTREAM_B, { ...env, TWIN_CREDIT_LIMIT: '9' })).code,
    ).toBe(0);
    const list = await cli(['list']);
    expect(list.out).toMatch(/^alice {2}· {2}500\/month {2}· {2}0 spent this month {2}· {2}last use never\n/);
    expect(list.out).toMatch(/bob .*no limit.*read-only/);
    const file = readFileSync(join(stateDir, 'state.json'), 'utf8');
    for (const secret of [token, UPSTREAM_A, UPSTREAM_B]) {
      expect(list.out + list.err + file).not.toContain(secret);
    }
    const rotated = await cli(['rotate', 'alice']);
    expect(rotated.out.trim()).not.toBe(token);
    expect((await cli(['remove', 'bob'])).code).toBe(0);
    expect((await cli(['list'])).out).not.toContain('bob');
  });

  it('refuses clearly: no key, a short token, the memory store, unknown words', async () => {
    const noKey = await cli(['add', 'carol'], UPSTREAM_A, { TWIN_STATE_DIR: stateDir });
    expect(noKey).toMatchObject({ code: 2, out: '' });
    expect(noKey.err).toMatch(/TWIN_STORE_KEY .*must be set/);
    expect((await cli(['add', 'carol'], 'short')).err).toMatch(/too short: pipe the whole token in/);
    expect((await cli(['add', 'carol'], '')).err).toMatch(/is empty/);
    expect((await cli(['frobnicate'])).err).toMatch(/^Usage: scene-projects-mcp tenants add NAME/);
    expect((await cli(['add', 'bad name!'], UPSTREAM_A)).err).toMatch(/A tenant name is 1–64 letters/);
    const config = loadConfig(['tenants', 'list', '--store', 'memory'], env);
    let err = '';
    await runTenantsCommand(config, { out: () => {}, err: (t) => (err += t), readSecret: async () => '' });
    expect(err).toMatch(/memory store forgets them/);
  });
});
