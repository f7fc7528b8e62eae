/**
 * Every request gets an answer: a request whose `_meta` is malformed is answered with a JSON-RPC
 * error (-32602) over stdio (the built server as a child process; the SDK's stdio transport alone
 * drops it and the client waits forever) and over HTTP, on a 2025-era session and in 2026-07-28
 * alike; the connection goes on serving; the log gets one short line per message, however large.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger, registerSecret } from '../src/log.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { type HttpServerHandle, startHttpServer } from '../src/transports/http.js';
import { checkInbound, MAX_INVALID_LOG } from '../src/transports/inbound-check.js';
import { builtCli } from './helpers/dist.js';
import { until } from './helpers/wait.js';

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const PREFIX = '[scene-projects-mcp] ';

/** Each malformed `_meta` (as sent in the era's params) and the problem the answer must name. */
const CASES: Array<{ name: string; meta: (era: Era) => unknown; problem: RegExp }> = [
  {
    name: 'progressToken null',
    meta: (e) => ({ ...env(e), progressToken: null }),
    problem: /progressToken.*null/,
  },
  {
    name: 'progressToken object',
    meta: (e) => ({ ...env(e), progressToken: {} }),
    problem: /progressToken.*object/,
  },
  {
    name: 'progressToken boolean',
    meta: (e) => ({ ...env(e), progressToken: true }),
    problem: /progressToken.*boolean/,
  },
  { name: '_meta null', meta: () => null, problem: /_meta must be an object \(got null\)/ },
  { name: '_meta a string', meta: () => 'meta', problem: /_meta must be an object \(got a string/ },
];
type Era = 'legacy' | 'modern';
const env = (era: Era) => (era === 'modern' ? ENVELOPE : {});

const callWith = (id: number, meta: unknown) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'list_projects', arguments: {}, _meta: meta },
});
const listTools = (id: number, era: Era) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/list',
  params: era === 'modern' ? { _meta: ENVELOPE } : {},
});

type Answer = { id?: unknown; result?: unknown; error?: { code: number; message: string } };

describe('checkInbound', () => {
  it('names the first problem in one short line, never the value', () => {
    const key = 'k'.repeat(100_000);
    const v = checkInbound({ jsonrpc: '2.0', id: 1, method: 'x', [key]: 1 });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.reply?.error.code).toBe(-32600);
    expect(v.log.length).toBeLessThanOrEqual(MAX_INVALID_LOG);
    expect(v.reply!.error.message.length).toBeLessThan(200);
    const method = checkInbound({
      jsonrpc: '2.0',
      id: 'y'.repeat(50_000),
      method: 'm'.repeat(50_000),
      params: 1,
    });
    expect(!method.ok && method.log.length).toBeLessThanOrEqual(MAX_INVALID_LOG);
  });

  it('never shows a configured secret, not even cut short by a cap', () => {
    const secret = `sk_${'s'.repeat(70)}`;
    registerSecret(secret);
    const v = checkInbound({ jsonrpc: '2.0', id: secret, method: secret, [secret]: 1 });
    const shown = JSON.stringify(!v.ok && [v.log, v.error]);
    expect(shown).not.toContain(secret.slice(0, 20));
    expect(shown).toContain('[redacted]');
  });

  it('answers a message nested 100,000 levels deep with a parse error, without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const v = checkInbound({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { arguments: { x: deep } },
    });
    expect(v).toMatchObject({
      ok: false,
      reply: { id: 4, error: { code: -32700, message: expect.stringContaining('deeper than 64') } },
    });
  });

  it('passes valid messages and only logs what cannot be answered', () => {
    expect(checkInbound(callWith(1, { progressToken: 'p' })).ok).toBe(true);
    expect(checkInbound({ jsonrpc: '2.0', method: 'notifications/initialized' }).ok).toBe(true);
    expect(checkInbound({ jsonrpc: '2.0', id: 3, result: {} }).ok).toBe(true);
    const note = checkInbound({ jsonrpc: '2.0', method: 'notifications/progress', params: { _meta: null } });
    expect(note).toMatchObject({ ok: false, log: expect.stringContaining('dropped') });
    expect(!note.ok && note.reply).toBeUndefined();
    const nullId = checkInbound({ jsonrpc: '2.0', id: null, method: 'tools/list' });
    expect(!nullId.ok && nullId.reply).toBeUndefined();
    expect(nullId.ok).toBe(false);
    expect(checkInbound([callWith(1, {})])).toMatchObject({
      ok: false,
      log: expect.stringContaining('batches'),
    });
  });
});

/** The built server over stdio, spoken to line by line. */
class StdioPeer {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = '';
  private out = '';
  readonly answers = new Map<unknown, Answer>();

  constructor() {
    this.child = spawn(process.execPath, [builtCli(), '--sandbox', '--time-scale', '400'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    this.child.stdout.on('data', (d) => {
      this.out += String(d);
      let nl = this.out.indexOf('\n');
      while (nl !== -1) {
        const msg = JSON.parse(this.out.slice(0, nl)) as Answer;
        if (msg.id !== undefined) this.answers.set(msg.id, msg);
        this.out = this.out.slice(nl + 1);
        nl = this.out.indexOf('\n');
      }
    });
    this.child.stderr.on('data', (d) => {
      this.stderr += String(d);
    });
  }

  send(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  async answer(id: number): Promise<Answer> {
    await until(() => this.answers.has(id), `the answer to request ${id}`, 15_000);
    return this.answers.get(id)!;
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((r) => this.child.once('exit', r));
  }
}

describe.each(['legacy', 'modern'] as const)('stdio, %s era', (era) => {
  let peer: StdioPeer;
  beforeAll(async () => {
    peer = new StdioPeer();
    if (era === 'legacy') {
      peer.send({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      });
      expect((await peer.answer(0)).result).toBeDefined();
      peer.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    }
    // A valid request first: the connection is pinned to its era before the malformed ones.
    peer.send(listTools(1, era));
    expect((await peer.answer(1)).result).toBeDefined();
  });
  afterAll(async () => {
    await peer.close();
  });

  it.each(CASES.map((c, i) => ({ ...c, id: 10 + i })))(
    'answers a request with $name (-32602), then serves on',
    async ({ meta, problem, id }) => {
      peer.send(callWith(id, meta(era)));
      const a = await peer.answer(id);
      expect(a.error).toMatchObject({ code: -32602, message: expect.stringMatching(problem) });
      peer.send(listTools(100 + id, era));
      expect((await peer.answer(100 + id)).result).toBeDefined();
    },
  );

  it('answers a request nested 100,000 levels deep with a parse error, then serves on', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    peer.child.stdin.write(
      `{"jsonrpc":"2.0","id":60,"method":"tools/call","params":{"name":"list_projects","arguments":{"x":${deep}}}}\n`,
    );
    expect((await peer.answer(60)).error).toMatchObject({
      code: -32700,
      message: expect.stringContaining('deeper'),
    });
    peer.send(listTools(61, era));
    expect((await peer.answer(61)).result).toBeDefined();
  });

  it('logs an invalid message as one short line, a 100 KB key included', async () => {
    const before = peer.stderr.length;
    peer.send({ jsonrpc: '2.0', id: 50, method: 'tools/list', ['k'.repeat(100_000)]: true });
    expect((await peer.answer(50)).error).toMatchObject({ code: -32600 });
    await until(() => peer.stderr.length > before, 'the log line');
    const added = peer.stderr.slice(before).trim().split('\n');
    expect(added).toHaveLength(1);
    expect(added[0]!.length).toBeLessThanOrEqual(PREFIX.length + 'warn: '.length + MAX_INVALID_LOG);
    expect(added[0]).toMatch(/invalid JSON-RPC message answered with an error \(method tools\/list, id 50\)/);
  });
});

describe('HTTP, both eras', () => {
  let rt: Runtime;
  let http: HttpServerHandle;
  const logs: string[] = [];
  let sid = '';
  const headers = (era: Era) => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era === 'modern' ? MODERN : LEGACY,
    ...(era === 'legacy'
      ? { 'mcp-session-id': sid }
      : { 'mcp-method': 'tools/call', 'mcp-name': 'list_projects' }),
  });
  const post = (era: Era, body: unknown) =>
    fetch(http.url, { method: 'POST', headers: headers(era), body: JSON.stringify(body) });

  beforeAll(async () => {
    rt = await createRuntime(loadConfig(['--sandbox', '--http'], {}), {
      logger: createLogger('warn', (l) => logs.push(l)),
    });
    http = await startHttpServer(rt, { port: 0 });
    const init = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    await init.body?.cancel();
    sid = init.headers.get('mcp-session-id') ?? '';
    expect(sid).not.toBe('');
  });
  afterAll(async () => {
    await http.close();
    await rt.close();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it.each(CASES)(
      `${era}: answers a request with $name with -32602 and its id`,
      async ({ meta, problem }) => {
        const res = await post(era, callWith(7, meta(era)));
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          jsonrpc: '2.0',
          id: 7,
          error: { code: -32602, message: expect.stringMatching(problem) },
        });
      },
    );

    it(`${era}: the same request with a valid _meta is served`, async () => {
      const res = await post(era, callWith(8, { ...env(era), progressToken: 'p1' }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"result"');
    });
  }

  it('logs each invalid message as one short line', async () => {
    logs.length = 0;
    const res = await post('modern', { ...callWith(9, ENVELOPE), ['k'.repeat(100_000)]: 1 });
    expect(res.status).toBe(400);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.length).toBeLessThanOrEqual(PREFIX.length + 'warn: '.length + MAX_INVALID_LOG + 1);
  });
});
