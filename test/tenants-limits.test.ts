/**
 * Per-tenant caps in one process on the file store: a tenant's held connections (listen streams,
 * waits) are capped with a clear 429 while another tenant is served; a tenant with a read-only
 * record is offered reads only; a request whose access token is unknown learns nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { FileStore } from '../src/store/file.js';
import { TenantDirectory } from '../src/tenants/directory.js';
import { type HttpServerHandle, startHttpServer } from '../src/transports/http.js';

const STORE_KEY = 's'.repeat(40);
const UP_A = 'upstream-token-alice-1';
const UP_B = 'upstream-token-bob-22';

describe('tenants: per-tenant caps over HTTP', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tenants-limits-'));
  let sb: Sandbox;
  let rt: Runtime;
  let http: HttpServerHandle;
  let tokenA = '';
  let tokenB = '';
  let dir: TenantDirectory;
  const clients: Client[] = [];
  const connect = async (token: string) => {
    const c = new Client({ name: 'limits', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await c.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sb = await startSandbox({ accounts: [{ token: UP_A }, { token: UP_B }] });
    const store = new FileStore({ dir: stateDir });
    dir = new TenantDirectory(store.tenants, STORE_KEY);
    tokenA = await dir.add('alice', UP_A, { creditPeriod: 'lifetime', readOnly: false });
    tokenB = await dir.add('bob', UP_B, { creditPeriod: 'lifetime', readOnly: true });
    const config = loadConfig(
      [
        '--http',
        '--tenants',
        '--store',
        'file',
        '--state-dir',
        stateDir,
        '--api-url',
        sb.url,
        '--log-level',
        'silent',
        '--person-id',
        '1',
        '--credit-limit',
        '250',
      ],
      { TWIN_STORE_KEY: STORE_KEY, MCP_HTTP_TENANT_MAX_WAITS: '2' },
    );
    rt = await createRuntime(config);
    http = await startHttpServer(rt, { port: 0 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await http?.close();
    await rt?.close();
    await sb?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('caps one tenant’s held connections with 429; the other tenant is served; closing frees a place', async () => {
    const alice = await connect(tokenA);
    const bob = await connect(tokenB);
    const uri = 'scene-projects://projects/1';
    const held = [
      await alice.listen({ resourceSubscriptions: [uri] }),
      await alice.listen({ resourceSubscriptions: [uri] }),
    ];
    await expect(alice.listen({ resourceSubscriptions: [uri] })).rejects.toThrow(/429|Too Many Requests/);
    const bobs = await bob.listen({ resourceSubscriptions: [uri] });
    await bobs.close();
    await held[0]!.close();
    await expect
      .poll(async () => {
        try {
          const again = await alice.listen({ resourceSubscriptions: [uri] });
          held.push(again);
          return true;
        } catch {
          return false;
        }
      })
      .toBe(true);
    await Promise.all(held.map((h) => h.close()));
  });

  it('the server-wide --credit-limit caps all tenants together', async () => {
    const dave = await connect(await dir.add('dave', UP_A, { creditPeriod: 'lifetime', readOnly: false }));
    const erin = await connect(await dir.add('erin', UP_B, { creditPeriod: 'lifetime', readOnly: false }));
    type R = { structuredContent?: Record<string, unknown>; content: Array<{ text?: string }> };
    const spend = async (c: Client) => {
      const made = (await c.callTool({
        name: 'create_story',
        arguments: { story_idea: 'A paper boat sails a city gutter.', num_scenes: 2 },
      })) as R;
      const project_id = (made.structuredContent!.project as { id: number }).id;
      const first = (await c.callTool({ name: 'approve_project', arguments: { project_id } })) as R;
      const q = first.structuredContent!.quote as { quote_token: string; credits: number } | undefined;
      if (!q) return first;
      return (await c.callTool({
        name: 'approve_project',
        arguments: { project_id, confirm_credits: true, quote_token: q.quote_token, max_credits: q.credits },
      })) as R;
    };
    expect((await spend(dave)).structuredContent?.outcome).toBe('started');
    const refused = await spend(erin);
    expect(refused.structuredContent?.outcome).toBe('refused');
    expect(JSON.stringify(refused)).toMatch(/server-wide credit limit/);
    expect(sb.accounts.map((a) => a.ledger().spent)).toEqual([200, 0]);
  });

  it('offers a read-only tenant reads only, and never save_video', async () => {
    const bob = await connect(tokenB);
    const alice = await connect(tokenA);
    const names = (await bob.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['get_project', 'get_status', 'list_projects']);
    expect((await alice.listTools()).tools.map((t) => t.name)).not.toContain('save_video');
  });

  it('closes a removed tenant’s open sessions within a sweep, and refuses its token at once', async () => {
    const carolToken = await dir.add('carol', UP_A, { creditPeriod: 'lifetime', readOnly: false });
    const carol = new Client({ name: 'legacy', version: '1' });
    await carol.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${carolToken}` } },
      }),
    );
    clients.push(carol);
    const sessions = async () =>
      ((await (await fetch(http.url.replace('/mcp', '/healthz'))).json()) as { sessions: number }).sessions;
    const before = await sessions();
    expect(before).toBeGreaterThan(0);
    await dir.remove('carol');
    await expect(carol.listTools()).rejects.toThrow();
    await expect.poll(sessions, { timeout: 10_000, interval: 200 }).toBe(before - 1);
  });

  it('answers an unknown or missing access token with a bare 401', async () => {
    for (const header of ['Bearer spm_unknown', undefined]) {
      const res = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(header && { authorization: header }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).not.toMatch(/alice|bob|tenant/i);
    }
  });
  it('slows unknown tokens from an address without locking out the known tenants there', async () => {
    const ping = (token: string) =>
      fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await ping(`spm_guess-${i}`)).status);
    // Earlier tests' refused tokens counted too: some 401s, then 429 for the rest of the minute.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(first429).toBeLessThanOrEqual(10);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    // The same address (a proxy, say) with a known tenant's token is still served.
    expect([401, 429]).not.toContain((await ping(tokenA)).status);
  });
});
