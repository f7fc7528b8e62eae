import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../src/store/file.js';
import { MemoryStore, STATE_FORMAT_VERSION, StoreUnavailableError } from '../src/store/index.js';
import { defaultStateDir } from '../src/store/state-dir.js';
import { storeContract } from './store-contract.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'store-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const clocked = (start: number) => {
  let now = start;
  return {
    clock: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
};

describe('memory store', () => {
  storeContract(async (start) => {
    const { clock, advance } = clocked(start);
    return { store: new MemoryStore({ clock }), advance };
  });
});

describe('file store', () => {
  storeContract(async (start) => {
    const { clock, advance } = clocked(start);
    return { store: new FileStore({ dir: join(tempDir(), 'state'), clock }), advance };
  });

  it('is shared by every store on the directory, kept small, and readable by the user only', async () => {
    const dir = join(tempDir(), 'nested', 'state');
    const a = new FileStore({ dir });
    const b = new FileStore({ dir });
    expect(await a.useQuote('acct', 'q1', Date.now() + 60_000)).toBe(true);
    expect(await b.useQuote('acct', 'q1', Date.now() + 60_000)).toBe(false);
    // 100 concurrent single uses of one id over both stores: exactly one wins
    const wins = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).useQuote('acct', 'q2', Date.now() + 60_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await a.useQuote('acct', 'old', Date.now() - 1)).toBe(true); // already expired: pruned next time
    await b.useQuote('acct', 'q3', Date.now() + 60_000);
    const saved = JSON.parse(readFileSync(a.file, 'utf8'));
    expect(saved.version).toBe(STATE_FORMAT_VERSION);
    expect(Object.keys(saved.accounts.acct.quotes).sort()).toEqual(['q1', 'q2', 'q3']);
    if (process.platform !== 'win32') expect(statSync(a.file).mode & 0o777).toBe(0o600);
  });

  it('keeps one quote-signing key, created once, mode 0600', async () => {
    const dir = join(tempDir(), 'state');
    const keys = await Promise.all(Array.from({ length: 8 }, () => new FileStore({ dir }).signingKey()));
    for (const k of keys) expect(Buffer.from(k).equals(Buffer.from(keys[0]!))).toBe(true);
    expect(keys[0]!.byteLength).toBe(32);
    if (process.platform !== 'win32') expect(statSync(join(dir, 'quote-key')).mode & 0o777).toBe(0o600);
  });

  it('refuses a file of a newer format or not its own, and never overwrites it', async () => {
    const dir = tempDir();
    const store = new FileStore({ dir });
    writeFileSync(store.file, JSON.stringify({ version: STATE_FORMAT_VERSION + 1, accounts: {}, locks: {} }));
    await expect(store.useQuote('a', 'q', Date.now() + 1000)).rejects.toThrow(/newer scene-projects-mcp/);
    await expect(store.usage('a', 'lifetime')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).version).toBe(STATE_FORMAT_VERSION + 1);
    writeFileSync(store.file, '{"half": ');
    await expect(
      store.reserve('a', { id: 'r', credits: 1, period: 'day', action: 'x', holdMs: 1 }),
    ).rejects.toThrow(/not valid JSON/);
  });

  it('fails closed while its directory cannot be used, and works again once it can', async () => {
    const base = tempDir();
    const dir = join(base, 'state');
    const store = new FileStore({ dir });
    expect(await store.useQuote('a', 'q1', Date.now() + 60_000)).toBe(true);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'not a directory'); // works even as root, unlike taking permissions away
    const err = await store.useQuote('a', 'q2', Date.now() + 60_000).catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.message).toContain(dir);
    rmSync(dir);
    expect(await store.useQuote('a', 'q2', Date.now() + 60_000)).toBe(true);
  });
});

describe('default state directory', () => {
  it('follows each platform’s convention', () => {
    expect(defaultStateDir({ XDG_STATE_HOME: '/x/state' }, 'linux', '/home/u')).toBe(
      '/x/state/scene-projects-mcp',
    );
    expect(defaultStateDir({}, 'linux', '/home/u')).toBe('/home/u/.local/state/scene-projects-mcp');
    expect(defaultStateDir({}, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Application Support/scene-projects-mcp',
    );
    expect(
      defaultStateDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u'),
    ).toMatch(/AppData.Local.scene-projects-mcp$/);
  });
});
