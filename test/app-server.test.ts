/**
 * The storyboard MCP App on the server side, without a browser: what app-rendering clients are
 * offered and plain clients are not, and that the view's spend tool holds every rule of the spend
 * gate — proven on the sandbox ledger through real MCP clients of both protocol generations.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_MIME_TYPE } from '../src/app/capability.js';
import { STORYBOARD_APP_URI } from '../src/app/resource.js';
import { loadConfig } from '../src/config.js';
import type { Runtime } from '../src/runtime.js';
import { type Connected, call, connect, STORY, sandboxRuntime, text } from './helpers/mcp.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(flags: string[] = [], opts: Parameters<typeof connect>[1] = {}) {
  const rt = await sandboxRuntime(flags);
  open.push(rt);
  const c = await connect(rt, opts);
  open.push(c);
  return { rt, c };
}

async function draft(c: Connected, scenes = 3): Promise<number> {
  const r = await call(c, 'create_story', { story_idea: STORY, num_scenes: scenes });
  expect(r.isError, text(r)).toBeFalsy();
  return (r.structuredContent!.project as { id: number }).id;
}

const ledger = (rt: Runtime) => rt.sandbox!.ledger().entries;
const SPEND = 'storyboard_spend';

async function appQuote(c: Connected, args: Record<string, unknown>) {
  const r = await call(c, SPEND, args);
  expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'quote' });
  return r.structuredContent!.quote as { quote_token: string; credits: number };
}

async function waitCompleted(c: Connected, id: number) {
  for (let i = 0; i < 200; i++) {
    const r = await call(c, 'get_status', { project_id: id, wait_seconds: 5 });
    if ((r.structuredContent!.status as { status: string }).status === 'completed') return;
  }
  throw new Error('project never completed');
}

describe.each(['legacy', 'modern'] as const)('what each client is offered (%s era)', (era) => {
  it('a client that renders apps sees the app-only spend tool, the view on two tools and the HTML resource', async () => {
    const { rt, c } = await setup([], { era, ui: true });
    const { tools } = await c.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get(SPEND)?._meta).toEqual({
      ui: { resourceUri: STORYBOARD_APP_URI, visibility: ['app'] },
    });
    for (const name of ['create_story', 'get_project']) {
      expect(byName.get(name)?._meta).toEqual({ ui: { resourceUri: STORYBOARD_APP_URI } });
    }
    expect(byName.get('get_status')?._meta?.ui).toBeUndefined();

    const { resources } = await c.client.listResources();
    expect(resources.find((r) => r.uri === STORYBOARD_APP_URI)?.mimeType).toBe(APP_MIME_TYPE);
    const read = await c.client.readResource({ uri: STORYBOARD_APP_URI });
    const content = read.contents[0] as unknown as {
      text: string;
      mimeType: string;
      _meta: { ui: { csp: { resourceDomains: string[] } } };
    };
    expect(content.mimeType).toBe(APP_MIME_TYPE);
    expect(content.text).toMatch(/^<!doctype html>/i);
    // Self-contained: the markup around the inlined script and styles fetches nothing.
    const markup = content.text.replace(/<script\b[^>]*>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/gi, '');
    expect(markup).not.toMatch(/\b(src|href)=|<link/i);
    expect(content.text.match(/<script\b/gi)).toHaveLength(1);
    expect(content._meta.ui.csp.resourceDomains).toEqual(
      expect.arrayContaining([new URL(rt.sandbox!.url).origin, 'https://storage.twin.actor']),
    );
  });

  it('a client without the extension is never offered the app, and cannot call its spend tool', async () => {
    const { rt, c } = await setup([], { era });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).not.toContain(SPEND);
    expect(tools.filter((t) => t._meta && 'ui' in t._meta)).toEqual([]);
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri)).not.toContain(STORYBOARD_APP_URI);

    const id = await draft(c);
    const r = await call(c, SPEND, { action: 'approve_project', project_id: id });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('not found');
    expect(r.structuredContent).toBeUndefined();
    expect(ledger(rt)).toEqual([]);
  });
});

describe.each(['legacy', 'modern'] as const)('consent by the click in the view (%s era)', (era) => {
  it('spends exactly the quoted figure once; a replay spends nothing', async () => {
    const { rt, c } = await setup([], { era, ui: true });
    const id = await draft(c, 3);
    const q = await appQuote(c, { action: 'approve_project', project_id: id });
    expect(q.credits).toBe(300);
    expect(ledger(rt)).toEqual([]);

    const click = {
      action: 'approve_project',
      project_id: id,
      quote_token: q.quote_token,
      credits: q.credits,
    };
    const r = await call(c, SPEND, click);
    expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'started', credits: 300 });
    const again = await call(c, SPEND, click);
    expect(again.isError).toBe(true);
    expect(ledger(rt)).toEqual([expect.objectContaining({ kind: 'approve', project_id: id, credits: 300 })]);
  });

  it('a quote made stale by an edit, or a figure below the quote, spends nothing', async () => {
    const { rt, c } = await setup([], { era, ui: true });
    const id = await draft(c, 2);
    const q = await appQuote(c, { action: 'approve_project', project_id: id });
    const low = await call(c, SPEND, {
      action: 'approve_project',
      project_id: id,
      quote_token: q.quote_token,
      credits: 100,
    });
    expect(low.isError, text(low)).toBe(true);
    const edit = await call(c, 'update_scene', {
      project_id: id,
      scene_number: 1,
      narration_text: 'A new line.',
    });
    expect(edit.isError, text(edit)).toBeFalsy();
    const stale = await call(c, SPEND, {
      action: 'approve_project',
      project_id: id,
      quote_token: q.quote_token,
      credits: q.credits,
    });
    expect(stale.isError).toBe(true);
    expect(text(stale)).toContain('scenes changed');
    expect(ledger(rt)).toEqual([]);
  });

  it('quotes do not cross channels: the model’s quote cannot pay in the view, nor the view’s for the model', async () => {
    const { rt, c } = await setup([], { era, ui: true });
    const id = await draft(c, 2);
    const model = await call(c, 'approve_project', { project_id: id });
    const modelToken = (model.structuredContent!.quote as { quote_token: string }).quote_token;
    const viaApp = await call(c, SPEND, {
      action: 'approve_project',
      project_id: id,
      quote_token: modelToken,
      credits: 200,
    });
    expect(viaApp.isError).toBe(true);
    const q = await appQuote(c, { action: 'approve_project', project_id: id });
    const viaModel = await call(c, 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token: q.quote_token,
      max_credits: q.credits,
    });
    expect(viaModel.isError).toBe(true);
    expect(ledger(rt)).toEqual([]);
  });

  it('on a host that also elicits, the click is not asked again; a regenerate spends 100 once', async () => {
    const { rt, c } = await setup([], {
      era,
      ui: true,
      elicit: () => ({ action: 'accept', content: { confirm: true } }),
    });
    const id = await draft(c, 2);
    const q = await appQuote(c, { action: 'approve_project', project_id: id });
    await call(c, SPEND, {
      action: 'approve_project',
      project_id: id,
      quote_token: q.quote_token,
      credits: q.credits,
    });
    await waitCompleted(c, id);
    const rq = await appQuote(c, { action: 'regenerate_scene', project_id: id, scene_number: 2 });
    expect(rq.credits).toBe(100);
    const click = {
      action: 'regenerate_scene',
      project_id: id,
      scene_number: 2,
      quote_token: rq.quote_token,
      credits: 100,
    };
    expect((await call(c, SPEND, click)).structuredContent).toMatchObject({
      outcome: 'started',
      credits: 100,
    });
    expect((await call(c, SPEND, click)).isError).toBe(true);
    expect(c.asked).toEqual([]);
    expect(ledger(rt).map((e) => [e.kind, e.credits])).toEqual([
      ['approve', 200],
      ['regenerate', 100],
    ]);
  });
});

describe('media origins', () => {
  it('--media-origins replaces the default media host; the API origin stays allowed; a non-URL is refused', async () => {
    const { rt, c } = await setup(
      ['--media-origins', 'https://cdn.example.com/videos/, http://media.local:8080'],
      {
        ui: true,
      },
    );
    const read = await c.client.readResource({ uri: STORYBOARD_APP_URI });
    const meta = read.contents[0]!._meta as { ui: { csp: { resourceDomains: string[] } } };
    expect(meta.ui.csp.resourceDomains).toEqual([
      'https://cdn.example.com',
      'http://media.local:8080',
      new URL(rt.sandbox!.url).origin,
    ]);
    expect(() => loadConfig(['--media-origins', 'storage.example.com'], {})).toThrow(
      /--media-origins \/ TWIN_MEDIA_ORIGINS must list http\(s\) origins/,
    );
  });
});

describe('the view’s spend tool under the server’s limits', () => {
  it('the credit limit refuses before any quote', async () => {
    const { rt, c } = await setup(['--credit-limit', '150'], { ui: true });
    const id = await draft(c, 2);
    const r = await call(c, SPEND, { action: 'approve_project', project_id: id });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('Nothing was spent');
    expect(ledger(rt)).toEqual([]);
  });

  it('read-only mode offers no spend tool, even to an app-rendering client', async () => {
    const { c } = await setup(['--read-only'], { ui: true });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).not.toContain(SPEND);
    await expect(call(c, SPEND, { action: 'approve_project', project_id: 1 })).rejects.toThrow(/not found/);
  });

  it('an allow-list without regenerate_scene keeps the view from regenerating', async () => {
    const { rt, c } = await setup(['--tools', 'create_story,approve_project,get_status'], { ui: true });
    const id = await draft(c, 2);
    const r = await call(c, SPEND, { action: 'regenerate_scene', project_id: id, scene_number: 1 });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('not offered');
    expect(ledger(rt)).toEqual([]);
  });
});

describe('the preview command', () => {
  it('prints a loopback URL whose page is the host, beside the MCP endpoint; Ctrl+C stops it', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, 'preview', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Storyboard preview: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) =>
          reject(new Error(`preview exited (${code}) before printing a URL: ${out}`)),
        );
      });
      expect(out).toContain('On the sandbox: no real credits are spent.');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('storyboard preview');
      expect((await fetch(new URL('/nope', url))).status).toBe(404);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
