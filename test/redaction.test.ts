/**
 * Secrets never leave the server: the API token (and any configured secret) is removed from tool
 * results (text and structuredContent), resources, prompts and logs, even when the service's own
 * answer echoes it; a key in the API URL's query string is sent but never shown; and redaction
 * replaces only secrets of a safe length, so a short token cannot mangle ordinary words.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import { ApiError } from '../src/api/errors/index.js';
import { MIN_SECRET_LENGTH, redact, redactAnswer, shownUrl } from '../src/api/redact.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startHttpServer } from '../src/transports/http.js';
import { type Mutation, startDriftProxy } from './helpers/drift-proxy.js';
import { call, connect, STORY, sandboxRuntime, type ToolResult, text } from './helpers/mcp.js';

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

describe('redaction replaces whole secrets of a safe length', () => {
  it('a short token does not mangle words; a long one is replaced in every spelling', () => {
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(redact('POST /scene-projects failed: Timeout', 'T')).toBe('POST /scene-projects failed: Timeout');
    const token = 'tok_A+b/c"d\\e_0123';
    const raw = `said ${token}; url ?t=${encodeURIComponent(token)}; json ${JSON.stringify({ t: token })}`;
    const out = redact(raw, token);
    expect(out).not.toContain(token);
    expect(out).not.toContain(encodeURIComponent(token));
    expect(out).not.toContain(JSON.stringify(token).slice(1, -1));
    expect(out.match(/\[redacted\]/g)).toHaveLength(3);
  });

  it('an answer spelling the token with \\u escapes is cleaned, and stays valid JSON', () => {
    const token = 'sk_live_0123456789';
    const escaped = [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const answer = `{"id": 4, "note": "key ${escaped}", "n\\u00e9": 1}`;
    const clean = redactAnswer(answer, token);
    expect(JSON.parse(clean)).toEqual({ id: 4, note: 'key [redacted]', né: 1 });
    expect(redactAnswer('{"id": 4, "n\\u00e9": 1}', token)).toBe('{"id": 4, "n\\u00e9": 1}');
  });

  it('a URL is shown with its query values replaced', () => {
    expect(shownUrl('https://gw.example/api/v1?key=abc&region=eu')).toBe(
      'https://gw.example/api/v1?key=[redacted]&region=[redacted]',
    );
    expect(shownUrl('https://api.example/api/v1')).toBe('https://api.example/api/v1');
  });
});

/** A stand-in service that records what it was asked and answers with `body`. */
async function service(body: (req: IncomingMessage) => string): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body(req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  open.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("a secret in the API URL's query string", () => {
  const KEY = 'gwkey_5f4e3d2c1b0a';
  const TOKEN = 'tok_query_test_123456';

  it('is sent with every request, and removed from answers', async () => {
    const svc = await service(() =>
      JSON.stringify([{ id: 1, status: 'proposed', description: `k=${KEY} t=${TOKEN}` }]),
    );
    const api = new SceneProjectsClient({ baseUrl: `${svc.url}/api/v1?key=${KEY}`, token: TOKEN });
    open.push(() => api.close());
    const list = await api.listProjects({ person_id: 7 });
    expect(svc.seen).toEqual([`/api/v1/scene-projects?key=${KEY}&person_id=7`]);
    expect(list[0]!.description).toBe('k=[redacted] t=[redacted]');
  });

  it('never appears in a "could not reach" message or a debug log', async () => {
    const lines: string[] = [];
    const log = (m: string) => lines.push(m);
    const api = new SceneProjectsClient({
      baseUrl: `http://nonexistent-host.invalid/api/v1?key=${KEY}`,
      token: TOKEN,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
      logger: { debug: log, info: log, warn: log, level: 'debug' },
    });
    open.push(() => api.close());
    const e = await api.getProject(3).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).message).toMatch(
      /at http:\/\/nonexistent-host\.invalid\/api\/v1\?key=\[redacted\]/,
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const s of [JSON.stringify(e), (e as Error).stack ?? '', ...lines]) {
      expect(s).not.toContain(KEY);
      expect(s).not.toContain(TOKEN);
    }
  });
});

describe('a token echoed by the service never leaves the server', () => {
  it('tool results (text and structuredContent), resources, prompts and logs are all clean', async () => {
    const lines: string[] = [];
    const rt = await sandboxRuntime(['--log-level', 'debug'], {
      logger: createLogger('debug', (l) => lines.push(l)),
    });
    open.push(() => rt.close());
    const token = rt.config.api.token!;
    expect(token.length).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
    const c = await connect(rt);
    open.push(() => c.close());
    const notes: unknown[] = [];
    c.client.setNotificationHandler('notifications/message', (n) => {
      notes.push(n);
    });

    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const id = (created.structuredContent!.project as { id: number }).id;
    rt.sandbox!.patchProject(id, {
      description: `Made with ${token}`,
      x_debug: {
        auth: `Bearer ${token}`,
        link: `https://cdn.example/v.mp4?sig=${encodeURIComponent(token)}`,
      },
    });

    const outputs: unknown[] = [];
    for (const [tool, args] of [
      ['get_project', { project_id: id }],
      ['get_status', { project_id: id }],
      ['list_projects', {}],
      ['approve_project', { project_id: id }],
    ] as const) {
      const r = await call(c, tool, args);
      outputs.push(text(r), r.structuredContent, r.content);
    }
    const { resources } = await c.client.listResources();
    outputs.push(resources);
    for (const uri of [`scene-projects://projects/${id}`, `scene-projects://projects/${id}/storyboard`]) {
      outputs.push(await c.client.readResource({ uri }));
    }
    outputs.push(
      await c.client.getPrompt({ name: 'refine_scene', arguments: { project_id: String(id), change: 'x' } }),
    );

    const everything = JSON.stringify([outputs, notes, lines]);
    expect(everything).toContain('Made with [redacted]'); // the echo did come back, cleaned
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(encodeURIComponent(token));
  });
});

/** Every configured secret, echoed by the service in every answer and carried in what the person types. */
describe('every configured secret, wherever it comes from, never leaves the server', () => {
  const QUOTE_KEY = 'quote-key-for-redaction-test-0123456789abcdef';
  const HTTP_TOKEN = 'http-bearer-for-redaction-test-0123';

  /** Appends the secrets to every free-text field of an answer and adds a field that carries them. */
  const echo =
    (secrets: string[]): Mutation =>
    (body) => {
      const said = secrets.map((s, i) => (i % 2 ? encodeURIComponent(s) : s)).join(' ');
      const visit = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(visit);
        if (!v || typeof v !== 'object') return v;
        const o = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
        for (const k of ['description', 'narration_text', 'current_step', 'error', 'detail', 'message']) {
          if (typeof o[k] === 'string') o[k] = `${o[k]} (${said})`;
        }
        o.x_echo = { said, auth: `Bearer ${secrets[0]}` };
        return o;
      };
      return visit(body);
    };

  it('tool results, errors, elicitations, notifications, resources, prompts and logs', async () => {
    const sb = await startSandbox({ timeScale: 400, credits: 100_000 });
    open.push(() => sb.close());
    const px = await startDriftProxy(sb.origin);
    open.push(() => px.close());
    const secrets = [sb.token, QUOTE_KEY, HTTP_TOKEN];
    px.add({ mutate: echo(secrets) });

    const lines: string[] = [];
    const config = loadConfig(['--api-url', px.url, '--log-level', 'debug'], {
      TWIN_API_TOKEN: sb.token,
      TWIN_QUOTE_KEY: QUOTE_KEY,
      MCP_HTTP_TOKEN: HTTP_TOKEN,
      TWIN_PERSON_ID: '1',
    });
    const rt = await createRuntime(config, { logger: createLogger('debug', (l) => lines.push(l)) });
    open.push(() => rt.close());
    const outputs: unknown[] = [];
    for (const era of ['legacy', 'modern'] as const) {
      const c = await connect(rt, { era, elicit: () => ({ action: 'accept', content: { confirm: true } }) });
      open.push(() => c.close());
      const notes: unknown[] = [];
      c.client.fallbackNotificationHandler = async (n) => {
        notes.push(n);
      };
      const run = async (tool: string, args: Record<string, unknown>) => {
        const r = (await c.client.callTool(
          { name: tool, arguments: args },
          { onprogress: (p) => notes.push(p) },
        )) as ToolResult;
        outputs.push(r);
        return r;
      };
      // The person's own text carries a secret too: it goes upstream and comes back, and into prompts.
      const created = await run('create_story', { story_idea: `${STORY} ${sb.token}`, num_scenes: 2 });
      expect(created.isError, text(created)).toBeFalsy();
      const id = (created.structuredContent!.project as { id: number }).id;
      await run('update_scene', { project_id: id, scene_number: 1, description: `Dawn. ${QUOTE_KEY}` });
      await run('list_projects', {});
      await run('get_project', { project_id: id, include_images: true });
      const approved = await run('approve_project', { project_id: id });
      expect(approved.structuredContent, text(approved)).toMatchObject({ outcome: 'started' });
      for (let i = 0; i < 60; i++) {
        const s = await run('get_status', { project_id: id, wait_seconds: 2 });
        if ((s.structuredContent?.status as { status?: string } | undefined)?.status === 'completed') break;
      }
      await run('regenerate_scene', { project_id: id, scene_number: 1 });
      await run('upscale', { project_id: id });
      // An error answer that echoes the token.
      px.add({
        count: 1,
        path: /scene-projects\/\d+$/,
        fault: {
          kind: 'raw',
          status: 422,
          when: 'before',
          body: JSON.stringify({ detail: `token ${sb.token} rejected for ${HTTP_TOKEN}` }),
        },
      });
      const failed = await run('get_project', { project_id: id });
      expect(failed.isError).toBe(true);
      outputs.push(await c.client.listResources());
      for (const uri of [`scene-projects://projects/${id}`, `scene-projects://projects/${id}/storyboard`]) {
        outputs.push(await c.client.readResource({ uri }));
      }
      outputs.push(
        await c.client.getPrompt({ name: 'make_video', arguments: { story_idea: `Idea ${sb.token}` } }),
        await c.client.getPrompt({
          name: 'refine_scene',
          arguments: { project_id: String(id), change: `use ${QUOTE_KEY} and ${HTTP_TOKEN}` },
        }),
      );
      outputs.push(c.asked, notes);
    }
    // The same over HTTP: a 2025-era session and 2026-era per-request instances.
    const http = await startHttpServer(rt, { port: 0 });
    open.push(() => http.close());
    for (const era of ['legacy', 'modern'] as const) {
      const client = new Client(
        { name: 'redaction-http', version: '1' },
        era === 'modern' ? { versionNegotiation: { mode: 'auto' as const } } : {},
      );
      await client.connect(
        new StreamableHTTPClientTransport(new URL(http.url), {
          requestInit: { headers: { authorization: `Bearer ${HTTP_TOKEN}` } },
        }),
      );
      open.push(() => client.close());
      outputs.push(
        await client.getPrompt({ name: 'make_video', arguments: { story_idea: `Idea ${HTTP_TOKEN}` } }),
        await client.callTool({ name: 'list_projects', arguments: {} }),
      );
    }

    const everything = JSON.stringify([outputs, lines]);
    expect(everything).toContain('[redacted]'); // the echoes did come back, cleaned
    for (const s of secrets) {
      for (const form of [s, encodeURIComponent(s), s.slice(0, 24)]) expect(everything).not.toContain(form);
    }
  }, 120_000);
});
