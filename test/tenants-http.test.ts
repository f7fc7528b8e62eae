/**
 * One hosted deployment for two people: `--http --tenants` replicas (separate processes) on one real
 * Redis, each tenant with their own sandbox account upstream, reached by real MCP clients of both
 * protocol eras with their own access tokens. Each sees only their own projects (list, get,
 * resources, completions, subscriptions), a quote is bound to its tenant, each limit counts only its
 * tenant's spends, no key appears in any output or log, a rotated or removed access token is refused
 * at once on every replica, and a tenant over its rate gets 429 while the other is served.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { openRedisStore, type RedisStore } from '../src/store/redis.js';
import { TenantDirectory } from '../src/tenants/directory.js';
import { describeWithRedis, type RedisServer, startRedis } from './helpers/redis-server.js';
import { type HttpServerProcess, spawnHttpServer } from './helpers/replicas.js';
import { type Era, followToCompletion } from './live-harness.js';

const STORE_KEY = randomBytes(24).toString('hex');
const QUOTE_KEY = randomBytes(32).toString('hex');
const UP_A = `upstream-alice-${randomBytes(8).toString('hex')}`;
const UP_B = `upstream-bob-${randomBytes(8).toString('hex')}`;
const RATE = 60;

type Proc = HttpServerProcess;

const startServer = (env: Record<string, string>): Promise<Proc> =>
  spawnHttpServer(env, ['--tenants'], 'debug');

async function connect(url: string, token: string, era: Era): Promise<Client> {
  const client = new Client(
    { name: `tenant-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ text?: string }>;
};

describeWithRedis('tenants: one deployment, two people, two replicas', () => {
  let redis: RedisServer;
  let sb: Sandbox;
  let store: RedisStore;
  let dir: TenantDirectory;
  let servers: Proc[] = [];
  let tokenA = '';
  let tokenB = '';
  const clients: Client[] = [];
  const seen: string[] = [];

  const call = async (c: Client, name: string, args: Record<string, unknown>) => {
    const r = (await c.callTool({ name, arguments: args })) as Result;
    seen.push(JSON.stringify(r));
    return r;
  };
  /** Past the front (not 401, 429 or 503): a bare ping is the SDK's to answer, 400 without a session. */
  const served = (status: number) => ![401, 429, 503].includes(status);
  const ask = (url: string, token: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });

  beforeAll(async () => {
    redis = await startRedis();
    sb = await startSandbox({ accounts: [{ token: UP_A }, { token: UP_B }], timeScale: 40 });
    store = await openRedisStore({ url: redis.url });
    dir = new TenantDirectory(store.tenants, STORE_KEY);
    tokenA = await dir.add('alice', UP_A, { creditLimit: 550, creditPeriod: 'month', readOnly: false });
    tokenB = await dir.add('bob', UP_B, { creditLimit: 350, creditPeriod: 'month', readOnly: false });
    const env = {
      TWIN_API_URL: sb.url,
      TWIN_STORE: redis.url,
      TWIN_STORE_KEY: STORE_KEY,
      TWIN_QUOTE_KEY: QUOTE_KEY,
      TWIN_PERSON_ID: '1',
      // Together the tenants may spend more than either's own limit: each limit is the tenant's.
      TWIN_CREDIT_LIMIT: '5000',
      MCP_HTTP_TENANT_REQUESTS_PER_MINUTE: String(RATE),
    };
    servers = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await Promise.all(servers.map((s) => s.stop()));
    await store?.close();
    await sb?.close();
    await redis?.close();
  });

  it('each sees and follows only their own projects; quotes and limits are per tenant; no key leaks', async () => {
    const [r1, r2] = servers as [Proc, Proc];
    const alice = [await connect(r1.url, tokenA, 'modern'), await connect(r2.url, tokenA, 'modern')];
    const bob = [await connect(r2.url, tokenB, 'legacy'), await connect(r1.url, tokenB, 'legacy')];
    clients.push(...alice, ...bob);
    expect(alice[0]!.getNegotiatedProtocolVersion()).toMatch(/^2026/);
    expect(bob[0]!.getNegotiatedProtocolVersion()).not.toMatch(/^2026/);
    for (const c of [...alice, ...bob]) {
      const names = (await c.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('save_video');
    }

    // Each creates, approves (300 credits, under their own 350) and follows to completion.
    const [fa, fb] = await Promise.all([
      followToCompletion(alice[0]!, 'modern'),
      followToCompletion(bob[0]!, 'legacy'),
    ]);
    const pa = fa.final.id as number;
    const pb = fb.final.id as number;
    expect([fa.final.status, fb.final.status]).toEqual(['completed', 'completed']);
    expect(fa.updates.every((u) => u.endsWith(`/${pa}`))).toBe(true);
    expect(fb.updates.every((u) => u.endsWith(`/${pb}`))).toBe(true);
    expect(sb.accounts.map((a) => a.ledger().spent)).toEqual([300, 300]);

    // Through the other replica: list, get, resources and completions show only their own.
    const ids = async (c: Client) =>
      ((await call(c, 'list_projects', {})).structuredContent!.projects as Array<{ id: number }>).map(
        (p) => p.id,
      );
    expect(await ids(alice[1]!)).toEqual([pa]);
    expect(await ids(bob[1]!)).toEqual([pb]);
    expect((await call(alice[1]!, 'get_project', { project_id: pb })).isError).toBe(true);
    expect((await call(bob[1]!, 'get_project', { project_id: pa })).isError).toBe(true);
    await expect(alice[1]!.readResource({ uri: `scene-projects://projects/${pb}` })).rejects.toThrow();
    const own = await alice[1]!.readResource({ uri: `scene-projects://projects/${pa}` });
    seen.push(JSON.stringify(own));
    for (const [c, mine, theirs] of [
      [alice[1]!, pa, pb],
      [bob[1]!, pb, pa],
    ] as const) {
      const done = await c.complete({
        ref: { type: 'ref/resource', uri: 'scene-projects://projects/{id}' },
        argument: { name: 'id', value: '' },
      });
      expect(done.completion.values).toContain(String(mine));
      expect(done.completion.values).not.toContain(String(theirs));
    }

    // A quote issued to alice is refused for bob, on her project and on his.
    const draft = await call(alice[0]!, 'create_story', {
      story_idea: 'A kite maps the coastline.',
      num_scenes: 2,
    });
    const pa2 = (draft.structuredContent!.project as { id: number }).id;
    const q = (await call(alice[0]!, 'approve_project', { project_id: pa2 })).structuredContent!.quote as {
      quote_token: string;
      credits: number;
    };
    const draftB = await call(bob[0]!, 'create_story', {
      story_idea: 'A kite maps the coastline.',
      num_scenes: 2,
    });
    const pb2 = (draftB.structuredContent!.project as { id: number }).id;
    for (const project_id of [pa2, pb2]) {
      const stolen = await call(bob[1]!, 'approve_project', {
        project_id,
        confirm_credits: true,
        quote_token: q.quote_token,
        max_credits: q.credits,
      });
      expect(stolen.structuredContent?.outcome ?? 'error').not.toBe('started');
    }
    expect(sb.accounts.map((a) => a.ledger().spent)).toEqual([300, 300]);
    // Alice's limit (550) counts her 300 alone, not bob's: her 200 fits. Bob's (350) has 50 left.
    const mine = await call(alice[1]!, 'approve_project', {
      project_id: pa2,
      confirm_credits: true,
      quote_token: q.quote_token,
      max_credits: q.credits,
    });
    expect(mine.structuredContent?.outcome, JSON.stringify(mine)).toBe('started');
    const overB = await call(bob[0]!, 'approve_project', { project_id: pb2 });
    expect(overB.structuredContent?.outcome, JSON.stringify(overB)).toBe('refused');
    expect(JSON.stringify(overB)).toMatch(/credit limit/);
    expect(sb.accounts.map((a) => a.ledger().spent)).toEqual([500, 300]);

    // Log lines about a tenant's work name that tenant.
    expect(servers.map((s) => s.log()).join('\n')).toMatch(/story drafted \{"tenant":"alice"/);
    // No key in any answer, nor in either replica's log.
    const everything = seen.join('\n') + servers.map((s) => s.log()).join('\n');
    for (const secret of [UP_A, UP_B, tokenA, tokenB, STORE_KEY, QUOTE_KEY]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('a tenant over its rate gets 429 while the other is served', async () => {
    const [r1] = servers as [Proc];
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 5; i++) statuses.push((await ask(r1.url, tokenA)).status);
    expect(statuses.at(-1)).toBe(429);
    const refused = await ask(r1.url, tokenA);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /more than 60 requests this minute/,
    );
    expect(served((await ask(r1.url, tokenB)).status)).toBe(true);
    const bob = await connect(r1.url, tokenB, 'modern');
    clients.push(bob);
    expect((await bob.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('a rotated or removed access token is refused at once on every replica', async () => {
    const urls = servers.map((s) => s.url);
    for (const url of urls) expect(served((await ask(url, tokenB)).status)).toBe(true);
    const newB = await dir.rotate('bob');
    for (const url of urls) {
      const old = await ask(url, tokenB);
      expect(old.status).toBe(401);
      expect(((await old.json()) as { error: { message: string } }).error.message).toBe('Unauthorized.');
      expect(served((await ask(url, newB)).status)).toBe(true);
    }
    await dir.remove('bob');
    for (const url of urls) expect((await ask(url, newB)).status).toBe(401);
    expect((await ask(urls[0]!, 'spm_not-a-token')).status).toBe(401);
  });
});
