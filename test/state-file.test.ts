/**
 * The file store across real processes: stdio servers (dist/cli.js) on one state directory, against
 * one sandbox over real HTTP, proved on the sandbox's ledger. Needs `dist/` (npm test builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { builtCli } from './helpers/dist.js';

const CLI = builtCli();
type Result = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ text?: string }>;
};
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

let sandbox: Sandbox;
const dirs: string[] = [];
const clients: Client[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 400, credits: 100_000 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await sandbox.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'state-file-test-'));
  dirs.push(d);
  return d;
};

const env = (dir: string) => ({
  PATH: process.env.PATH ?? '',
  TWIN_API_URL: sandbox.url,
  TWIN_API_TOKEN: sandbox.token,
  TWIN_STATE_DIR: dir,
  TWIN_LOG_LEVEL: 'warn',
  TWIN_PERSON_ID: '1',
});

/** A server process as a host starts it; a client that cannot elicit, so spending goes by quote token. */
async function server(dir: string, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: env(dir),
  });
  const client = new Client({ name: 'state-file-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  const call = async (name: string, a: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: a })) as Result;
  return {
    call,
    async draft(): Promise<number> {
      const r = await call('create_story', {
        story_idea: 'A lighthouse keeper befriends a storm.',
        num_scenes: 3,
      });
      expect(r.isError, text(r)).toBeFalsy();
      return (r.structuredContent!.project as { id: number }).id;
    },
    async quote(id: number): Promise<{ token: string; credits: number; text: string }> {
      const r = await call('approve_project', { project_id: id });
      expect(r.structuredContent, text(r)).toMatchObject({ outcome: 'quote' });
      const q = r.structuredContent!.quote as { quote_token: string };
      return { token: q.quote_token, credits: r.structuredContent!.credits as number, text: text(r) };
    },
    confirm: (id: number, token: string, credits: number) =>
      call('approve_project', {
        project_id: id,
        confirm_credits: true,
        quote_token: token,
        max_credits: credits,
      }),
    close: () => client.close(),
  };
}

const approvals = () => sandbox.ledger().entries.filter((e) => e.kind === 'approve').length;

describe('file store across processes', () => {
  it('two servers on one state directory share the limit, a restart keeps it, and budget shows it', async () => {
    const dir = stateDir();
    const limit = ['--credit-limit', '500', '--credit-period', 'day'];
    const [a, b] = await Promise.all([server(dir, limit), server(dir, limit)]);
    const [ida, idb] = await Promise.all([a.draft(), b.draft()]);
    const qa = await a.quote(ida);
    expect(qa.text).toMatch(
      /After this spend, 200 credits are left under the credit limit of 500 per day \(UTC\)/,
    );
    const qb = await b.quote(idb);
    const before = approvals();
    expect((await a.confirm(ida, qa.token, qa.credits)).structuredContent).toMatchObject({
      outcome: 'started',
    });
    // b's process counted nothing itself: the shared file says 300 of 500 are gone
    const refused = await b.confirm(idb, qb.token, qb.credits);
    expect(refused.structuredContent, text(refused)).toMatchObject({ outcome: 'refused' });
    expect(text(refused)).toMatch(/credit limit is 500 credits a day: 300 spent this day.*200 left/);
    expect(approvals()).toBe(before + 1);

    await Promise.all([a.close(), b.close()]);
    const c = await server(dir, limit); // a restart
    const refusedAgain = await c.call('approve_project', { project_id: await c.draft() });
    expect(text(refusedAgain)).toMatch(/300 spent this day/);
    await c.close();

    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'budget', ...limit], {
      env: env(dir),
    });
    expect(stdout).toMatch(/Credit limit: 500 credits per day, in UTC/);
    expect(stdout).toMatch(/Spent today \(since \d{4}-\d\d-\d\d 00:00 UTC\): 300 credits/);
    expect(stdout).toMatch(/Left: 200 credits/);
    expect(stdout).toMatch(
      new RegExp(`Recent spends:\\n.*UTC +project ${ida} +approve_project +300 credits`),
    );
    expect(stdout).not.toContain(sandbox.token);
  });

  it('one process quotes, the next confirms and spends once, a third replay is refused', async () => {
    const dir = stateDir();
    const first = await server(dir);
    const id = await first.draft();
    const q = await first.quote(id);
    await first.close();
    const before = approvals();

    const second = await server(dir);
    const spent = await second.confirm(id, q.token, q.credits);
    expect(spent.structuredContent, text(spent)).toMatchObject({ outcome: 'started', credits: 300 });
    await second.close();

    const third = await server(dir);
    const replay = await third.confirm(id, q.token, q.credits);
    expect(replay.isError, text(replay)).toBe(true);
    expect(text(replay)).toMatch(/already used|not proposed/);
    await third.close();
    expect(approvals()).toBe(before + 1);
  });
});
