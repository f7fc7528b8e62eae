/**
 * `scene-projects-mcp doctor` as a new user runs it: the built CLI in a child process, against the
 * sandbox over real HTTP and against small servers that answer as a misconfigured URL would.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { builtCli } from './helpers/dist.js';

const CLI = builtCli();
const TOKEN = 'sbx-doctor-token-5e1f0a';

function doctor(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'doctor', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({ code: typeof code === 'number' ? code : -1, out: `${stdout}${stderr}` });
      },
    );
  });
}

/** The line of one check, e.g. `[FAIL] token accepted: …`. */
const line = (out: string, name: string) => out.split('\n').find((l) => l.includes(`] ${name}:`)) ?? '';

let sb: Sandbox;
const servers: Server[] = [];

beforeAll(async () => {
  sb = await startSandbox({ token: TOKEN, personIds: [1, 2], timeScale: 100 });
  // Person 2 has a project; person 7 does not exist (the service cannot say so).
  const res = await fetch(`${sb.url}/stories/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ person_id: 2, story_idea: 'A lighthouse keeper befriends a lost whale.' }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await sb.close();
  for (const s of servers) s.close();
});

/** A server that answers every request the same way. */
async function answering(status: number, body: string, headers: Record<string, string>) {
  const server = createServer((_req, res) => {
    res.writeHead(status, headers).end(body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`, server };
}

// Each case is a child process that mostly waits: run them side by side.
describe.concurrent('doctor', () => {
  it('passes on the built-in sandbox', async () => {
    const { code, out } = await doctor(['--sandbox']);
    expect(code, out).toBe(0);
    expect(out).not.toContain('[FAIL]');
    for (const name of ['API token', 'API reachable', 'answers like the API', 'token accepted', 'clock']) {
      expect(line(out, name), out).toMatch(/^\[ok {2}\]/);
    }
    expect(out).toMatch(/All set/);
  });

  it('passes on a sandbox at any URL, with a person seen on its projects, never printing the token', async () => {
    const { code, out } = await doctor([], {
      TWIN_API_URL: sb.url,
      TWIN_API_TOKEN: TOKEN,
      TWIN_PERSON_ID: '2',
    });
    expect(code, out).toBe(0);
    expect(line(out, 'person id')).toMatch(/^\[ok {2}\] person id: person 2 has 1 project/);
    expect(line(out, 'API token')).toContain(`${TOKEN.length} characters; not shown`);
    expect(out).not.toContain(TOKEN);
  });

  it('explains a wrong token, exits 1, and never prints it', async () => {
    const wrong = 'wrong-token-8c2d9b7e';
    const { code, out } = await doctor([], {
      TWIN_API_URL: sb.url,
      TWIN_API_TOKEN: wrong,
      TWIN_PERSON_ID: '1',
    });
    expect(code, out).toBe(1);
    expect(line(out, 'token accepted')).toMatch(/^\[FAIL\] .*refused the token \(HTTP 401/);
    expect(out).toMatch(/fix: Copy the token again/);
    expect(line(out, 'API reachable')).toMatch(/^\[ok/);
    expect(out).not.toContain(wrong);
  });

  it('explains a missing token and still checks the URL', async () => {
    const { code, out } = await doctor([], { TWIN_API_URL: sb.url });
    expect(code, out).toBe(1);
    expect(line(out, 'API token')).toMatch(/^\[FAIL\] API token: TWIN_API_TOKEN is not set/);
    expect(out).toMatch(/--sandbox/);
    expect(line(out, 'answers like the API')).toMatch(/^\[ok/);
  });

  it('explains an unreachable URL without showing a key from its query string', async () => {
    const { url: closed, server } = await answering(200, '[]', {});
    await new Promise((r) => server.close(r));
    const key = 'query-key-4b8e61d0';
    const { code, out } = await doctor(['--api-url', `${closed}?key=${key}`], { TWIN_API_TOKEN: TOKEN });
    expect(code, out).toBe(1);
    expect(line(out, 'API reachable')).toMatch(
      /^\[FAIL\] .*could not reach .*\?key=\[redacted\]: the connection was refused/,
    );
    expect(line(out, 'token accepted')).toMatch(/^\[skip\]/);
    expect(out).toMatch(/fix: Nothing listens at that address/);
    expect(out).not.toContain(key);
    expect(out).not.toContain(TOKEN);
  });

  it('explains an unknown person and an unset one: the service has no person lookup', async () => {
    const unknown = await doctor([], { TWIN_API_URL: sb.url, TWIN_API_TOKEN: TOKEN, TWIN_PERSON_ID: '7' });
    expect(unknown.code, unknown.out).toBe(0);
    expect(line(unknown.out, 'person id')).toMatch(
      /^\[warn\] person id: no project of person 7 yet.*no person lookup/,
    );
    expect(unknown.out).toContain('Person 7 not found');
    const unset = await doctor([], { TWIN_API_URL: sb.url, TWIN_API_TOKEN: TOKEN });
    expect(unset.code, unset.out).toBe(0);
    expect(line(unset.out, 'person id')).toMatch(
      /^\[warn\] person id: TWIN_PERSON_ID is not set.*no person lookup/,
    );
    expect(unset.out).toMatch(/fix: Set TWIN_PERSON_ID/);
  });

  it('fails a URL that answers with a web page instead of the API', async () => {
    const { url } = await answering(200, '<!doctype html><title>Sign in</title>', {
      'content-type': 'text/html',
    });
    const { code, out } = await doctor(['--api-url', url], { TWIN_API_TOKEN: TOKEN });
    expect(code, out).toBe(1);
    expect(line(out, 'answers like the API')).toMatch(/^\[FAIL\] .*an HTML page.*not a list of projects/);
    expect(out).toMatch(/ends in \/api\/v1/);
  });

  it('fails a clock far from the service’s, and names the fix', async () => {
    const late = new Date(Date.now() - 20 * 60_000).toUTCString();
    const { url } = await answering(200, '[]', { 'content-type': 'application/json', date: late });
    const { code, out } = await doctor(['--api-url', url, '--person-id', '1'], { TWIN_API_TOKEN: TOKEN });
    expect(code, out).toBe(1);
    expect(line(out, 'clock')).toMatch(
      /^\[FAIL\] clock: this machine's clock is 1[12]\d\d s ahead of the service/,
    );
    expect(out).toMatch(/fix: Turn on automatic time/);
  });
});
