/**
 * Abuse limits over HTTP: a cap on held connections (GET streams, subscriptions/listen, waiting
 * calls) refused with 503 past it; absurdly nested bodies refused with 400; wrong bearer guesses
 * counted per address and refused with 429 + Retry-After, other addresses untouched; an empty Host
 * refused with 400. The limiters alone first, then over real sockets.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { startHttpServer } from '../src/transports/http.js';
import { addressKey, FailureLimiter } from '../src/transports/http-auth-failures.js';
import { holdsConnection, StreamCap } from '../src/transports/http-streams.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../src/transports/inbound-check.js';
import { until } from './helpers/wait.js';

const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const TOKEN = 'limits-test-token-0123456789abcdef';

describe('the limiters alone', () => {
  it('measures nesting without recursion, 100,000 levels included', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(nestedDeeperThan(deep)).toBe(true);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = i % 2 ? [ok] : { k: ok };
    expect(nestedDeeperThan(ok)).toBe(false);
    expect(nestedDeeperThan([ok])).toBe(true);
  });

  it('knows which requests hold a connection open', () => {
    expect(holdsConnection('GET', undefined)).toBe(true);
    expect(holdsConnection('POST', { method: 'subscriptions/listen' })).toBe(true);
    const call = (args: object) => ({
      method: 'tools/call',
      params: { name: 'get_status', arguments: args },
    });
    expect(holdsConnection('POST', call({ wait_seconds: 30 }))).toBe(true);
    expect(holdsConnection('POST', call({ wait_seconds: 0 }))).toBe(false);
    expect(holdsConnection('POST', { method: 'tools/list' })).toBe(false);
    expect(holdsConnection('DELETE', undefined)).toBe(false);
  });

  it('caps held connections and releases each once', () => {
    const cap = new StreamCap(2);
    const a = cap.tryOpen();
    const b = cap.tryOpen();
    expect(a && b).toBeTruthy();
    expect(cap.tryOpen()).toBeUndefined();
    a!();
    a!();
    expect(cap.open).toBe(1);
    expect(cap.tryOpen()).toBeTruthy();
  });

  it('counts IPv4 by address and IPv6 by its /64', () => {
    expect(addressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:db8:0:1:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
  });

  it('refuses an address after max failures until its window ends, others untouched, memory bounded', () => {
    let now = 1_000_000;
    const l = new FailureLimiter({ max: 3, windowMs: 60_000, maxEntries: 100, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('a')).toBe(0);
      l.fail('a');
    }
    expect(l.retryAfter('a')).toBe(60);
    expect(l.retryAfter('b')).toBe(0);
    now += 45_000;
    expect(l.retryAfter('a')).toBe(15);
    now += 15_000;
    expect(l.retryAfter('a')).toBe(0);
    for (let i = 0; i < 5_000; i++) l.fail(`flood-${i}`);
    expect(l.size).toBeLessThanOrEqual(100);
    l.fail('c');
    l.fail('c');
    l.fail('c');
    expect(l.retryAfter('c')).toBe(60);
  });
});

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function start(flags: string[], host?: string) {
  const logs: string[] = [];
  const rt = await createRuntime(loadConfig(['--sandbox', '--http', ...flags], {}), {
    logger: createLogger('info', (l) => logs.push(l)),
  });
  const http = await startHttpServer(rt, { port: 0, ...(host && { host }) });
  open.push(async () => {
    await http.close();
    await rt.close();
  });
  return { rt, http, logs, base: http.url.replace(/\/mcp$/, '') };
}

/** A raw request over node:http (a chosen Host header, a chosen source address); the body read whole unless `hold`. */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; from?: string; hold?: boolean },
): Promise<{ status: number; headers: Record<string, unknown>; body: string; abort(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? 'POST', headers: opts.headers, ...(opts.from && { localAddress: opts.from }) },
      (res) => {
        const done = { status: res.statusCode ?? 0, headers: res.headers, abort: () => req.destroy() };
        if (opts.hold && res.statusCode === 200) {
          resolve({ ...done, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ ...done, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const listen = (id: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'subscriptions/listen',
    params: { notifications: { resourceSubscriptions: ['scene-projects://projects/1'] }, _meta: ENVELOPE },
  });
const LISTEN_HEADERS = {
  ...JSON_HEADERS,
  'mcp-protocol-version': MODERN,
  'mcp-method': 'subscriptions/listen',
};

const health = async (base: string) =>
  (await (await fetch(`${base}/healthz`)).json()) as { sessions: number; streams: number };

describe('held connections over HTTP', () => {
  it('2,000 listen streams against a cap of 40: 40 held, the rest refused with 503; room again once they close', async () => {
    const s = await start(['--max-streams', '40']);
    const held: Array<{ abort(): void }> = [];
    let refused = 0;
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          raw(s.http.url, { headers: LISTEN_HEADERS, body: listen(batch * 200 + i), hold: true }),
        ),
      );
      for (const a of answers) {
        if (a.status === 200) held.push(a);
        else {
          expect(a.status).toBe(503);
          expect(a.headers['retry-after']).toBeDefined();
          expect(JSON.parse(a.body).error.message).toContain('--max-streams');
          refused++;
        }
      }
    }
    expect(held).toHaveLength(40);
    expect(refused).toBe(1960);
    expect((await health(s.base)).streams).toBe(40);
    expect(s.logs.filter((l) => l.includes('refused'))).not.toHaveLength(0);
    for (const h of held) h.abort();
    await until(async () => (await health(s.base)).streams === 0, 'the streams to be released');
    const again = await raw(s.http.url, { headers: LISTEN_HEADERS, body: listen(9999), hold: true });
    expect(again.status).toBe(200);
    again.abort();
  }, 60_000);

  it('counts 2025-era GET streams and waiting calls too; a call that does not wait is never refused', async () => {
    const s = await start(['--max-streams', '1']);
    const init = await fetch(s.http.url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    });
    await init.body?.cancel();
    const sid = init.headers.get('mcp-session-id')!;
    const legacy = { ...JSON_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    const get = await raw(s.http.url, {
      method: 'GET',
      headers: { ...legacy, accept: 'text/event-stream' },
      hold: true,
    });
    expect(get.status).toBe(200);
    const call = (wait: number) =>
      raw(s.http.url, {
        headers: legacy,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'get_status', arguments: { project_id: 1, wait_seconds: wait } },
        }),
      });
    const waiting = await call(20);
    expect(waiting.status).toBe(503);
    expect(JSON.parse(waiting.body)).toMatchObject({
      id: 3,
      error: { message: expect.stringContaining('wait_seconds 0') },
    });
    expect((await call(0)).status).toBe(200);
    get.abort();
  });
});

describe('bodies', () => {
  it('a body nested 100,000 levels deep is a 400 parse error, on either era', async () => {
    const s = await start([]);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const call = (headers: Record<string, string>, meta: object) =>
      raw(s.http.url, {
        headers,
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_projects","arguments":{"x":${deep}},"_meta":${JSON.stringify(meta)}}}`,
      });
    for (const r of [
      await call(
        {
          ...JSON_HEADERS,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'tools/call',
          'mcp-name': 'list_projects',
        },
        ENVELOPE,
      ),
      await call(JSON_HEADERS, {}),
      await raw(s.http.url, { headers: JSON_HEADERS, body: deep }),
    ]) {
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatchObject({
        code: -32700,
        message: expect.stringContaining('deeper'),
      });
    }
  });
});

describe('wrong bearer tokens', () => {
  it('an address that keeps guessing gets 429 with Retry-After, even with the right token; another address does not', async () => {
    const s = await start(['--http-token', TOKEN, '--max-auth-failures', '3']);
    const init = (token: string, from = '127.0.0.1') =>
      raw(s.http.url, {
        from,
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
    for (let i = 0; i < 3; i++) expect((await init(`wrong-${i}-0123456789abcdef`)).status).toBe(401);
    const limited = await init('wrong-3-0123456789abcdef');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await init(TOKEN)).status).toBe(429);
    // Another address (all of 127/8 is loopback on Linux) is not affected.
    expect((await init(TOKEN, '127.0.0.2')).status).toBe(200);
    expect((await init('wrong-again-0123456789abcdef', '127.0.0.2')).status).toBe(401);
    expect(
      s.logs.some((l) => l.includes('wrong tokens from 127.0.0.1')),
      s.logs.join(''),
    ).toBe(true);
    expect(s.logs.join('')).not.toContain(TOKEN);
  });
});

/** A request written by hand on a socket (node:http will not send an empty Host); resolves with the whole answer. */
function onSocket(port: number, head: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.end(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      text += d;
    });
    sock.on('error', reject);
    sock.on('close', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0),
        body: text.split('\r\n\r\n')[1] ?? '',
      }),
    );
  });
}

describe('Host header', () => {
  it('an empty Host is refused with 400, even when any host name is allowed', async () => {
    for (const flags of [[], ['--allowed-hosts', '*']]) {
      const s = await start(flags);
      const post =
        'POST /mcp HTTP/1.1\r\nhost: \r\ncontent-type: application/json\r\naccept: application/json, text/event-stream';
      const r = await onSocket(s.http.port, post, '{}');
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error.message).toContain('Host');
      expect((await onSocket(s.http.port, 'GET /healthz HTTP/1.1\r\nhost:    ')).status).toBe(400);
      // A Host that is present is still judged by the list (403 when not allowed).
      const foreign = await onSocket(s.http.port, 'GET /healthz HTTP/1.1\r\nhost: evil.example');
      expect(foreign.status).toBe(flags.length ? 200 : 403);
    }
  });
});
