/**
 * The HTTP transport over real sockets: both protocol generations against the product's runtime on an
 * in-process sandbox (consent by elicitation, charges proven on the sandbox ledger), the checks in
 * front of /mcp, the session cap and idle expiry, the live hooks, and a shutdown that never hangs.
 */
import { request as httpRequest } from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../src/config.js';
import type { LiveHooks } from '../src/live/live.js';
import { createLogger } from '../src/log.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { TOOL_NAMES } from '../src/tools/index.js';
import { type HttpServerHandle, startHttpServer } from '../src/transports/http.js';
import { until } from './helpers/wait.js';

const STORY = 'A lighthouse keeper finds a message in a bottle and sails across a stormy sea to answer it.';
const TOKEN = 'http-test-token-0123456789abcdef';
const MODERN = '2026-07-28';

interface Started {
  rt: Runtime;
  http: HttpServerHandle;
  base: string;
  logs: string[];
  close(): Promise<void>;
}

const toClose: Array<{ close(): Promise<void> }> = [];

/** Starts the runtime and the server; closed after the current test unless `shared` (then by afterAll). */
async function start(
  flags: string[] = [],
  o: { tweak?: (c: Config) => void; live?: LiveHooks; shared?: boolean } = {},
): Promise<Started> {
  const config = loadConfig(['--sandbox', '--time-scale', '400', '--http', ...flags], {});
  o.tweak?.(config);
  const logs: string[] = [];
  const rt = await createRuntime(config, { logger: createLogger('debug', (l) => logs.push(l)) });
  // The test's hooks stand in for the real ones; the watcher stays.
  if (o.live) rt.live = { ...rt.live!, ...o.live };
  const http = await startHttpServer(rt, { port: 0 });
  const s: Started = {
    rt,
    http,
    base: http.url.replace(/\/mcp$/, ''),
    logs,
    async close() {
      await http.close();
      await rt.close();
    },
  };
  if (!o.shared) toClose.push(s);
  return s;
}

interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  asked: string[];
  close(): Promise<void>;
}

async function connect(
  url: string,
  opts: { era?: 'legacy' | 'modern'; elicit?: boolean; token?: string } = {},
): Promise<Connected> {
  const asked: string[] = [];
  const client = new Client(
    { name: 'http-test', version: '1.0.0' },
    {
      ...(opts.elicit && { capabilities: { elicitation: { form: {} } } }),
      ...(opts.era === 'modern' && { versionNegotiation: { mode: 'auto' as const } }),
    },
  );
  if (opts.elicit) {
    client.setRequestHandler('elicitation/create', async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { confirm: true } };
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    ...(opts.token && { requestInit: { headers: { authorization: `Bearer ${opts.token}` } } }),
  });
  await client.connect(transport);
  const c = { client, transport, asked, close: () => client.close().catch(() => {}) };
  toClose.push(c);
  return c;
}

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
};
const call = async (c: Connected, name: string, args: Record<string, unknown>) =>
  (await c.client.callTool({ name, arguments: args })) as ToolResult;
const text = (r: ToolResult) => r.content.map((p) => p.text ?? '').join('\n');

async function draft(c: Connected): Promise<number> {
  const r = await call(c, 'create_story', { story_idea: STORY, num_scenes: 3 });
  expect(r.isError, text(r)).toBeFalsy();
  return (r.structuredContent!.project as { id: number }).id;
}

const approveCharges = (rt: Runtime, projectId: number) =>
  rt.sandbox!.ledger().entries.filter((e) => e.kind === 'approve' && e.project_id === projectId);

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A raw 2025-era initialize; returns the response and its session id. */
async function rawInit(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(INIT),
  });
  await res.body?.cancel();
  return { res, sid: res.headers.get('mcp-session-id') ?? undefined };
}

/** node:http, for what fetch cannot send: a foreign Host header, a chunked body without Content-Length. */
function rawHttp(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; chunks?: string[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}

async function health(
  base: string,
): Promise<{ ok: boolean; version: string; mode: string; sessions: number }> {
  const res = await fetch(`${base}/healthz`);
  expect(res.status).toBe(200);
  return res.json() as never;
}

const LEGACY_HEADERS = (sid: string) => ({
  ...JSON_HEADERS,
  'mcp-session-id': sid,
  'mcp-protocol-version': '2025-06-18',
});

/** One message POSTed on a 2025-era session. */
const postLegacy = (url: string, sid: string, message: object) =>
  fetch(url, { method: 'POST', headers: LEGACY_HEADERS(sid), body: JSON.stringify(message) });

/** A tools/list on a 2025-era session (status only). */
async function listTools(url: string, sid: string): Promise<Response> {
  const res = await postLegacy(url, sid, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
  await res.body?.cancel();
  return res;
}

/** Opens a 2025-era session's GET SSE stream and keeps it open until aborted. */
async function openGetStream(url: string, sid: string): Promise<AbortController> {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    headers: { ...LEGACY_HEADERS(sid), accept: 'text/event-stream' },
    signal: ctrl.signal,
  });
  expect(res.status).toBe(200); // the body is left unread: the stream stays open
  return ctrl;
}

/**
 * A client that starts per call, as the Inspector's CLI mode and scripts do: an SDK client connects
 * (initialize, then its GET stream), calls one tool, and its process ends — its sockets close, and
 * no DELETE is ever sent.
 */
async function perCallClient(url: string): Promise<ToolResult> {
  const agent = new Agent();
  const client = new Client({ name: 'per-call', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch,
  });
  try {
    await client.connect(transport);
    return (await client.callTool({ name: 'list_projects', arguments: {} })) as ToolResult;
  } finally {
    await agent.destroy().catch(() => {});
  }
}

afterEach(async () => {
  while (toClose.length) await toClose.pop()!.close();
});

describe('both protocol generations over HTTP', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start([], { shared: true });
  });
  afterAll(async () => {
    await s.close();
  });

  it('a 2025-era client lists the tools and approves with consent by elicitation over a session', async () => {
    const c = await connect(s.http.url, { elicit: true });
    expect(c.client.getNegotiatedProtocolVersion()).toMatch(/^2025-/);
    expect(c.transport.sessionId).toBeTruthy();
    const { tools } = await c.client.listTools();
    // save_video writes on the server's disk: over HTTP it needs an explicit --media-dir.
    const offered = TOOL_NAMES.filter((n) => n !== 'save_video');
    expect(tools.map((t) => t.name).sort()).toEqual([...offered].sort());
    expect((await health(s.base)).sessions).toBe(1);

    const id = await draft(c);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', project_id: id, credits: 300 });
    expect(c.asked).toHaveLength(1);
    expect(c.asked[0]).toContain('300 credits');
    expect(approveCharges(s.rt, id)).toEqual([expect.objectContaining({ credits: 300 })]);

    // DELETE ends the session on the server too.
    await c.transport.terminateSession();
    await until(async () => (await health(s.base)).sessions === 0, 'session removed');
  });

  it('a 2026-era client does the same statelessly (elicitation as input_required)', async () => {
    const c = await connect(s.http.url, { era: 'modern', elicit: true });
    expect(c.client.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(c.transport.sessionId).toBeUndefined();
    const { tools } = await c.client.listTools();
    expect(tools).toHaveLength(8);

    const id = await draft(c);
    const r = await call(c, 'approve_project', { project_id: id });
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', project_id: id, credits: 300 });
    expect(c.asked).toHaveLength(1);
    expect(approveCharges(s.rt, id)).toEqual([expect.objectContaining({ credits: 300 })]);
    expect((await health(s.base)).sessions).toBe(0);
  });

  it.each(['legacy', 'modern'] as const)(
    'a %s client without elicitation gets a quote and is charged nothing',
    async (era) => {
      const c = await connect(s.http.url, { era });
      const id = await draft(c);
      const before = s.rt.sandbox!.ledger().entries.length;
      const r = await call(c, 'approve_project', { project_id: id });
      expect(r.isError, text(r)).toBeFalsy();
      expect(r.structuredContent!.outcome).toBe('quote');
      expect(s.rt.sandbox!.ledger().entries).toHaveLength(before);
    },
  );

  it('answers /healthz without secrets and 404 elsewhere', async () => {
    const h = await health(s.base);
    expect(h).toEqual({
      ok: true,
      version: s.rt.version,
      mode: 'sandbox',
      sessions: expect.any(Number),
      streams: expect.any(Number),
    });
    expect(JSON.stringify(h)).not.toContain(s.rt.sandbox!.token);
    expect((await fetch(`${s.base}/`)).status).toBe(404);
    expect((await fetch(`${s.base}/mcp/extra`)).status).toBe(404);
    expect(s.logs.some((l) => l.includes(`info: serving MCP over Streamable HTTP at ${s.http.url}`))).toBe(
      true,
    );
  });
});

describe('checks in front of /mcp', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start(['--max-body-bytes', '2048', '--allowed-origins', 'https://app.example.com'], {
      shared: true,
    });
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses a foreign Host with 403 and accepts loopback names', async () => {
    const bad = await rawHttp(s.http.url, {
      headers: { ...JSON_HEADERS, host: `evil.example:${s.http.port}` },
      chunks: [JSON.stringify(INIT)],
    });
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.body)).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringContaining('evil.example') },
    });
    const good = await rawHttp(s.http.url, {
      headers: { ...JSON_HEADERS, host: `localhost:${s.http.port}` },
      chunks: [JSON.stringify(INIT)],
    });
    expect(good.status).toBe(200);
  });

  it('refuses a foreign Origin with 403; loopback and configured origins pass', async () => {
    expect((await rawInit(s.http.url, { origin: 'https://evil.example' })).res.status).toBe(403);
    expect((await rawInit(s.http.url, { origin: 'null' })).res.status).toBe(403);
    expect((await rawInit(s.http.url, { origin: `http://localhost:5173` })).res.status).toBe(200);
    expect((await rawInit(s.http.url, { origin: 'https://app.example.com' })).res.status).toBe(200);
    expect((await rawInit(s.http.url, { origin: 'http://app.example.com' })).res.status).toBe(403);
  });

  it('refuses a body over the limit with 413, by Content-Length and while streaming', async () => {
    const big = JSON.stringify({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(4096) } });
    const res = await fetch(s.http.url, { method: 'POST', headers: JSON_HEADERS, body: big });
    expect(res.status).toBe(413);
    const streamed = await rawHttp(s.http.url, {
      headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' },
      chunks: [big.slice(0, 1500), big.slice(1500)],
    });
    expect(streamed.status).toBe(413);
  });

  it('answers 404 for an unknown session id and 400 for a non-initialize without one', async () => {
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const unknown = await fetch(s.http.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': '2025-06-18' },
      body: list,
    });
    expect(unknown.status).toBe(404);
    const missing = await fetch(s.http.url, { method: 'POST', headers: JSON_HEADERS, body: list });
    expect(missing.status).toBe(400);
    const get = await fetch(s.http.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': 'nope' },
    });
    expect(get.status).toBe(404);
  });

  it('refuses a body that is not JSON (415 for the media type, 400 for the syntax)', async () => {
    const wrongType = await fetch(s.http.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    const broken = await fetch(s.http.url, { method: 'POST', headers: JSON_HEADERS, body: '{"jsonrpc":' });
    expect(broken.status).toBe(400);
  });
});

describe('bearer token', () => {
  it('answers 401 with WWW-Authenticate without or with a wrong token, and serves the right one', async () => {
    const s = await start(['--http-token', TOKEN]);
    const missing = await rawInit(s.http.url);
    expect(missing.res.status).toBe(401);
    expect(missing.res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await rawInit(s.http.url, { authorization: `Bearer ${TOKEN.slice(0, -1)}X` });
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get('www-authenticate')).toMatch(/^Bearer .*invalid_token/);
    expect((await rawInit(s.http.url, { authorization: `Bearer ${TOKEN}` })).res.status).toBe(200);

    for (const era of ['legacy', 'modern'] as const) {
      const c = await connect(s.http.url, { era, token: TOKEN });
      expect((await c.client.listTools()).tools).toHaveLength(8);
    }
    await expect(connect(s.http.url, { era: 'modern' })).rejects.toThrow();
    expect(s.logs.join('')).not.toContain(TOKEN);
  });
});

describe('legacy sessions', () => {
  it('at the cap, closes the session idle the longest to make room; refuses (503) only when all are busy', async () => {
    const s = await start(['--max-sessions', '2']);
    const a = await rawInit(s.http.url);
    const b = await rawInit(s.http.url);
    const c = await rawInit(s.http.url);
    expect([a.res.status, b.res.status, c.res.status]).toEqual([200, 200, 200]);
    expect((await listTools(s.http.url, a.sid!)).status).toBe(404); // a made room for c
    expect((await listTools(s.http.url, b.sid!)).status).toBe(200);
    expect((await health(s.base)).sessions).toBe(2);
    expect(s.logs.some((l) => l.includes('idle the longest, closed to make room'))).toBe(true);

    // A session with a stream open is busy: never closed to make room.
    const streams = [await openGetStream(s.http.url, b.sid!), await openGetStream(s.http.url, c.sid!)];
    const full = await fetch(s.http.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(INIT),
    });
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('1');
    expect(((await full.json()) as { error: { message: string } }).error.message).toContain('--max-sessions');
    // The modern leg is stateless and not capped.
    const m = await connect(s.http.url, { era: 'modern' });
    expect((await m.client.listTools()).tools).toHaveLength(8);

    streams[0]!.abort(); // b is idle again: the next client takes its place
    await until(async () => (await rawInit(s.http.url)).res.status === 200, 'an idle session to make room');
    expect((await listTools(s.http.url, b.sid!)).status).toBe(404);
    expect((await listTools(s.http.url, c.sid!)).status).toBe(200);
    streams[1]!.abort();
  });

  it('frees a slot on DELETE', async () => {
    const s = await start(['--max-sessions', '2']);
    const a = await rawInit(s.http.url);
    await rawInit(s.http.url);
    const del = await fetch(s.http.url, {
      method: 'DELETE',
      headers: { 'mcp-session-id': a.sid!, 'mcp-protocol-version': '2025-06-18' },
    });
    expect(del.status).toBe(200);
    await until(async () => (await health(s.base)).sessions === 1, 'slot freed');
  });

  it('serves a per-call client (initialize + call, never closing) 300 times in a row with --max-sessions 100', async () => {
    const s = await start(['--max-sessions', '100']);
    for (let i = 0; i < 300; i++) {
      const { sid } = await rawInit(s.http.url);
      expect(sid, `initialize ${i + 1} refused`).toBeTruthy();
      await postLegacy(s.http.url, sid!, { jsonrpc: '2.0', method: 'notifications/initialized' });
      const r = await postLegacy(s.http.url, sid!, {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'list_projects', arguments: {} },
      });
      expect(r.status, `call ${i + 1}`).toBe(200);
      expect(await r.text()).toContain('"result"');
    }
    expect((await health(s.base)).sessions).toBe(100);
    expect(s.logs.filter((l) => l.includes('closed to make room'))).toHaveLength(200);
    expect(s.logs.some((l) => l.includes('HTTP session refused'))).toBe(false);
  }, 120_000);

  it('serves SDK clients that start per call and end without closing (their GET streams end with them)', async () => {
    const s = await start(['--max-sessions', '5']);
    for (let i = 0; i < 15; i++) {
      const r = await perCallClient(s.http.url);
      expect(r.isError, `call ${i + 1}: ${text(r)}`).toBeFalsy();
    }
    expect((await health(s.base)).sessions).toBe(5);
    expect(s.logs.some((l) => l.includes('HTTP session refused'))).toBe(false);
  });

  it('gives each session its own per-session credit limit', async () => {
    const s = await start(['--session-credit-limit', '300']);
    const a = await connect(s.http.url, { elicit: true });
    const first = await draft(a);
    const second = await draft(a);
    expect((await call(a, 'approve_project', { project_id: first })).structuredContent).toMatchObject({
      outcome: 'started',
    });
    const over = await call(a, 'approve_project', { project_id: second });
    expect(over.structuredContent, text(over)).toMatchObject({ outcome: 'refused' });
    expect(text(over)).toContain('session credit limit');
    // A new session starts with its own 300 credits.
    const b = await connect(s.http.url, { elicit: true });
    expect((await call(b, 'approve_project', { project_id: second })).structuredContent).toMatchObject({
      outcome: 'started',
    });
    expect(s.rt.sandbox!.ledger().entries.filter((e) => e.kind === 'approve')).toHaveLength(2);
  });

  it('closes and removes an idle session', async () => {
    const s = await start([], {
      tweak: (c) => {
        c.http.sessionIdleSeconds = 0.3;
      },
    });
    const { sid } = await rawInit(s.http.url);
    expect(sid).toBeTruthy();
    expect((await health(s.base)).sessions).toBe(1);
    await until(async () => (await health(s.base)).sessions === 0, 'idle session removed');
    const after = await fetch(s.http.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-session-id': sid!, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    expect(after.status).toBe(404);
  });
});

describe('live hooks', () => {
  it('publishes resource updates to modern listeners and reports when a listen stream opens and closes', async () => {
    const opened: string[][] = [];
    let closedCount = 0;
    const publishers: Array<(uri: string) => void> = [];
    const live: LiveHooks = {
      listenOpened(uris) {
        opened.push(uris);
        return () => {
          closedCount++;
        };
      },
      addPublisher(publish) {
        publishers.push(publish);
        return () => publishers.splice(publishers.indexOf(publish), 1);
      },
    };
    const s = await start([], { live });
    expect(publishers).toHaveLength(1);

    const c = await connect(s.http.url, { era: 'modern' });
    const updates: string[] = [];
    c.client.setNotificationHandler('notifications/resources/updated', (n) => {
      updates.push(n.params.uri);
    });
    const uri = 'scene-projects://projects/7';
    const sub = await c.client.listen({ resourceSubscriptions: [uri] });
    expect(opened).toEqual([[uri]]);
    publishers[0]!(uri);
    await until(() => updates.includes(uri), 'update delivered');
    await sub.close();
    await until(() => closedCount === 1, 'listen closed');
  });
});

describe('shutdown', () => {
  it('close() resolves promptly with clients and streams still open', async () => {
    const s = await start();
    const legacy = await connect(s.http.url, { elicit: true });
    const modern = await connect(s.http.url, { era: 'modern' });
    await legacy.client.listTools();
    const sub = await modern.client.listen({ resourceSubscriptions: ['scene-projects://projects/1'] });
    const t0 = Date.now();
    await s.http.close();
    expect(Date.now() - t0).toBeLessThan(3000);
    await expect(fetch(`${s.base}/healthz`)).rejects.toThrow();
    await sub.close();
  });
});
