/**
 * A spending POST whose answer is lost or is a 5xx: the person is never told "nothing was charged"
 * unless that is proven, the credit limit counts what may have been spent, and nothing is charged
 * twice. A small proxy in front of the sandbox plays the slow or failing service; it holds the
 * spending request until the test (or the client's own read-back) lets it through, so the order of
 * events is fixed, not left to timers.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { createSceneTools } from '../src/surfaces/library.js';
import { call, connect, STORY, text } from './helpers/mcp.js';
import { until } from './helpers/wait.js';

/**
 * - `error500`: forward the spend, then answer 500 (the service charged, then failed);
 * - `hold`: keep the spend until `release()` (the service is slow; our timeout fires first);
 * - `afterFirstRead`: keep the spend until the client's first read-back has been answered, then let
 *   it land (the service commits between our first read and a re-check).
 */
type Mode = 'error500' | 'hold' | 'afterFirstRead';

interface Proxy {
  url: string;
  server: Server;
  release(): void;
}

async function proxy(target: string, mode: Mode): Promise<Proxy> {
  const t = new URL(target);
  let held: (() => void) | undefined;
  let landed: Promise<void> | undefined;
  let readsAfterHold = 0;
  const forward = (
    req: import('node:http').IncomingMessage,
    body: Buffer,
    done: (status: number, headers: object, out: Buffer) => void,
  ) => {
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => done(upRes.statusCode ?? 502, upRes.headers, Buffer.concat(chunks)));
      },
    );
    up.on('error', () => done(502, {}, Buffer.from('{}')));
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const spend = req.method === 'POST' && /\/(approve|regenerate)$/.test(req.url ?? '');
      const reply = (status: number, headers: object, out: Buffer) => {
        if (res.destroyed) return;
        res.writeHead(status, headers as Record<string, string>);
        res.end(out);
      };
      if (!spend) {
        // Once the held spend has been let through, later reads see it: they wait until it landed.
        void (landed ?? Promise.resolve()).then(() =>
          forward(req, body, (status, headers, out) => {
            reply(status, headers, out);
            if (held && mode === 'afterFirstRead' && ++readsAfterHold === 1) held();
          }),
        );
        return;
      }
      if (mode === 'error500') {
        forward(req, body, () =>
          reply(
            500,
            { 'content-type': 'application/json' },
            Buffer.from('{"detail":"Internal Server Error"}'),
          ),
        );
        return;
      }
      // hold / afterFirstRead: the client gives up waiting; the request lands later, once.
      held = () => {
        if (landed) return;
        landed = new Promise((done) => forward(req, body, () => done()));
      };
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    release: () => held?.(),
  };
}

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function setup(mode: Mode, flags: string[] = []) {
  const sandbox = await startSandbox({ timeScale: 400, credits: 5000 });
  open.push(() => sandbox.close());
  const px = await proxy(sandbox.origin, mode);
  open.push(
    () =>
      new Promise((r) => {
        px.server.closeAllConnections();
        px.server.close(() => r(undefined));
      }),
  );
  const api = new SceneProjectsClient({
    baseUrl: `${px.url}/api/v1`,
    token: sandbox.token,
    timeouts: { headersMs: 200 },
    recheckDelaysMs: [20, 20],
  });
  open.push(() => api.close());
  const rt = await createRuntime(loadConfig(['--sandbox', ...flags], {}), {
    logger: silentLogger,
    api,
    sandbox,
  });
  open.push(() => rt.close());
  const c = await connect(rt); // cannot elicit: the arguments channel
  open.push(() => c.close());
  return { rt, c, sandbox, px };
}

async function draft(c: Awaited<ReturnType<typeof connect>>, n = 3): Promise<number> {
  const r = await call(c, 'create_story', { story_idea: STORY, num_scenes: n });
  expect(r.isError, text(r)).toBeFalsy();
  return (r.structuredContent!.project as { id: number }).id;
}

async function approveWithConsent(c: Awaited<ReturnType<typeof connect>>, id: number) {
  const q = await call(c, 'approve_project', { project_id: id });
  const quote = q.structuredContent!.quote as { quote_token: string; credits: number };
  return call(c, 'approve_project', {
    project_id: id,
    confirm_credits: true,
    quote_token: quote.quote_token,
    max_credits: quote.credits,
  });
}

const charged = (sb: Sandbox) => sb.ledger().entries.filter((e) => e.kind === 'approve').length;

describe('lost or failed spending answers', () => {
  it('a 500 after the charge is reconciled as spent: counted once, and the limit holds', async () => {
    const { rt, c, sandbox } = await setup('error500', ['--credit-limit', '300']);
    const r = await approveWithConsent(c, await draft(c));
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(text(r)).not.toMatch(/Nothing was (charged|done)/);
    expect(charged(sandbox)).toBe(1);
    expect((await rt.budget.usage()).spent).toBe(300);
    const again = await call(c, 'approve_project', { project_id: await draft(c) });
    expect(again.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(sandbox.ledger().spent).toBe(300);
  });

  it('a slow service: "unknown", never "nothing was charged"; the limit counts it until a read settles it; it lands once', async () => {
    const { rt, c, sandbox, px } = await setup('hold', ['--credit-limit', '300']);
    const id = await draft(c);
    const r = await approveWithConsent(c, id);
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/credits may have been charged/);
    expect(text(r)).toMatch(/get_status/);
    expect(text(r)).not.toMatch(/Nothing was charged/);
    expect(await rt.budget.usage()).toMatchObject({ spent: 0, held: 0, unsettled: 300 });
    px.release();
    await until(() => charged(sandbox) === 1, 'the held approval to land');
    // The next reading of the project shows the work began: the unknown spend is settled as spent.
    await call(c, 'get_status', { project_id: id });
    await until(async () => (await rt.budget.usage()).unsettled === 0, 'the spend to be settled');
    expect(await rt.budget.usage()).toMatchObject({ spent: 300, unsettled: 0 });
    const again = await call(c, 'approve_project', { project_id: await draft(c) });
    expect(again.structuredContent).toMatchObject({ outcome: 'refused' });
    expect(sandbox.ledger().spent).toBe(300);
  });

  it('a spend that shows up on a re-check is reported as started, charged once', async () => {
    const { rt, c, sandbox } = await setup('afterFirstRead');
    const r = await approveWithConsent(c, await draft(c));
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', credits: 300 });
    expect(charged(sandbox)).toBe(1);
    expect((await rt.budget.usage()).spent).toBe(300);
  });
});

describe('cancelled while re-checking a lost spend', () => {
  it('stays "unknown" and keeps the credits counted: a cancel is not proof that nothing was charged', async () => {
    const sandbox = await startSandbox({ timeScale: 400, credits: 5000 });
    open.push(() => sandbox.close());
    const px = await proxy(sandbox.origin, 'hold');
    open.push(
      () =>
        new Promise((r) => {
          px.server.closeAllConnections();
          px.server.close(() => r(undefined));
        }),
    );
    const ac = new AbortController();
    const api = new SceneProjectsClient({
      baseUrl: `${px.url}/api/v1`,
      token: sandbox.token,
      timeouts: { headersMs: 200 },
      recheckDelaysMs: [20, 20],
      // The person cancels while the client waits to re-read the project.
      sleep: async (_ms, signal) => {
        ac.abort();
        throw signal?.reason ?? new Error('aborted');
      },
    });
    open.push(() => api.close());
    const tools = createSceneTools({ api, personId: 1, creditLimit: 300, confirmSpend: async () => true });
    open.push(() => tools.close());
    const created = await tools.execute('create_story', { story_idea: STORY, num_scenes: 3 });
    expect(created.isError, created.text).toBe(false);
    const id = (created.structured!.project as { id: number }).id;

    const r = await tools.execute('approve_project', { project_id: id }, { signal: ac.signal });
    expect(ac.signal.aborted).toBe(true);
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/may have been charged/);
    expect(r.text).not.toMatch(/Nothing more will be sent|Nothing was (spent|charged)/);
    // The held approval may still land: the limit keeps counting it.
    const again = await tools.execute('approve_project', { project_id: (await draftVia(tools)).id });
    expect(again.structured).toMatchObject({ outcome: 'refused' });
    px.release();
    await until(() => charged(sandbox) === 1, 'the held approval to land');
    expect(sandbox.ledger().spent).toBe(300);
  });
});

async function draftVia(tools: ReturnType<typeof createSceneTools>): Promise<{ id: number }> {
  const r = await tools.execute('create_story', { story_idea: STORY, num_scenes: 3 });
  expect(r.isError, r.text).toBe(false);
  return r.structured!.project as { id: number };
}
