/**
 * The built server as a host starts it: a child process over stdio. Needs `dist/` (npm test builds first).
 */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, describe, expect, it } from 'vitest';
import { builtCli } from './helpers/dist.js';

const CLI = builtCli();

const open: Client[] = [];
afterEach(async () => {
  while (open.length)
    await open
      .pop()!
      .close()
      .catch(() => {});
});

type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ text?: string }>;
};

async function start(era: 'legacy' | 'modern', extraArgs: string[] = []) {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--sandbox', '--time-scale', '400', ...extraArgs],
    env: { PATH: process.env.PATH ?? '' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const client = new Client(
    { name: 'stdio-test', version: '1.0.0' },
    {
      capabilities: { elicitation: { form: {} } },
      ...(era === 'modern' && { versionNegotiation: { mode: 'auto' as const } }),
    },
  );
  const asked: string[] = [];
  client.setRequestHandler('elicitation/create', async (req) => {
    asked.push(req.params.message);
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(transport);
  open.push(client);
  return { client, asked, stderr: () => stderr };
}

describe.each(['legacy', 'modern'] as const)('stdio, %s client', (era) => {
  it('runs the whole flow with consent against the built server', async () => {
    const { client, asked, stderr } = await start(era);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(9);
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = (await client.callTool({ name, arguments: args })) as Result;
      expect(r.isError, `${name}: ${r.content.map((c) => c.text).join(' ')}`).toBeFalsy();
      return r.structuredContent!;
    };
    const created = await call('create_story', {
      story_idea: 'Two rival bakers on one street discover they share a grandmother’s recipe.',
      num_scenes: 3,
    });
    const id = (created.project as { id: number }).id;
    await call('update_scene', { project_id: id, scene_number: 1, description: 'Dawn; two ovens glow.' });
    const approved = await call('approve_project', { project_id: id });
    expect(approved).toMatchObject({ outcome: 'started', credits: 300 });
    expect(asked).toEqual([expect.stringContaining('300 credits')]);
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 100 && status.status !== 'completed'; i++) {
      status = (await call('get_status', { project_id: id, wait_seconds: 5 })).status as Record<
        string,
        unknown
      >;
    }
    expect(status.status).toBe('completed');
    expect(String(status.final_video_url)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.+\.mp4$/);
    expect(stderr()).toContain('sandbox');
  });
});

describe('stdio hygiene', () => {
  it('writes only JSON-RPC to stdout, and logs to stderr', async () => {
    const child = spawn(process.execPath, [CLI, '--sandbox', '--log-level', 'debug'], {
      env: { PATH: process.env.PATH ?? '', TWIN_API_TOKEN: 'tok_should_never_show_up_12345' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'get_project', arguments: { project_id: 5 } },
    });
    const deadline = Date.now() + 15_000;
    while (!/"id":3/.test(out) && Date.now() < deadline)
      await new Promise((r) => child.stdout.once('data', r));
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    const lines = out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(err).toMatch(/sandbox/);
    expect(out + err).not.toContain('tok_should_never_show_up');
  });

  it('--help prints the options; a bad flag exits 2 with a clear message', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '' } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += String(d);
        });
        child.stderr.on('data', (d) => {
          err += String(d);
        });
        child.on('exit', (code) => resolve({ code, out, err }));
      });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('TWIN_API_TOKEN');
    expect(help.out).toContain('--http-token');
    const bad = await run(['--credit-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--credit-limit \/ TWIN_CREDIT_LIMIT must be a whole number/);
    const exposed = await run(['--http', '--host', '0.0.0.0']);
    expect(exposed.code).toBe(2);
    expect(exposed.err).toMatch(/needs a bearer token/);
  });
});
