/**
 * Secrets never leave the server: the API token (and any configured secret) is removed from tool
 * results (text and structuredContent), resources, prompts and logs, even when the service's own
 * answer echoes it; a key in the API URL's query string is sent but never shown; and redaction
 * replaces only secrets of a safe length, so a short token cannot mangle ordinary words.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SceneProjectsClient } from '../src/api/client.js';
import { ApiError } from '../src/api/errors/index.js';
import { MIN_SECRET_LENGTH, redact, redactAnswer, shownUrl } from '../src/api/redact.js';
import { createLogger } from '../src/log.js';
import { call, connect, STORY, sandboxRuntime, text } from './helpers/mcp.js';

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
