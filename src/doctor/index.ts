/**
 * `scene-projects-mcp doctor`: checks a configuration and the service as a new user needs them, prints
 * each check with its fix, and exits 1 when one fails. It reads only: nothing is created or spent.
 * With --sandbox it checks an in-process sandbox, so a first run proves the set-up itself.
 */
import { tmpdir } from 'node:os';
import { redact, shownUrl, urlSecrets } from '../api/redact.js';
import type { Config } from '../config.js';
import { accountKey } from '../store/locks.js';
import { storeSecrets } from '../store/open.js';
import { defaultStateDir } from '../store/state-dir.js';
import {
  type Check,
  type CheckStatus,
  clockCheck,
  type DoctorTarget,
  personCheck,
  serviceChecks,
  tokenCheck,
} from './checks.js';
import { ServiceProbe } from './probe.js';
import { redisCheck, writableCheck } from './state-dir.js';

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export async function runDoctor(config: Config, write: (text: string) => void): Promise<number> {
  let target: DoctorTarget = {
    url: config.api.url,
    shownUrl: shownUrl(config.api.url),
    token: config.api.token,
    personId: config.api.personId,
    sandbox: false,
  };
  let closeSandbox: (() => Promise<void>) | undefined;
  if (config.sandbox.enabled) {
    const { startSandbox } = await import('../sandbox/index.js');
    const sb = await startSandbox({ credits: config.sandbox.credits, timeScale: config.sandbox.timeScale });
    closeSandbox = sb.close;
    target = {
      url: sb.url,
      shownUrl: sb.url,
      token: sb.token,
      personId: config.api.personId ?? 1,
      sandbox: true,
    };
  }
  const secrets = [
    target.token ?? '',
    ...urlSecrets(target.url),
    ...(config.store.kind === 'redis' ? storeSecrets(config.store.url) : []),
  ].filter(Boolean);
  // Every line passes through redaction: the token and any key in the URL can never be printed.
  const say = (line: string) => write(`${redact(line, secrets)}\n`);
  say(
    `scene-projects-mcp doctor: checking ${target.shownUrl}${target.sandbox ? ' (the built-in sandbox)' : ''}`,
  );
  try {
    const checks = await gather(target, secrets);
    checks.push(await stateCheck(config.store, target.token));
    for (const c of checks) {
      say(`[${MARK[c.status]}] ${c.name}: ${c.detail}`);
      if (c.fix && c.status !== 'ok') say(`       fix: ${c.fix}`);
    }
    const failed = checks.filter((c) => c.status === 'fail').length;
    const warned = checks.filter((c) => c.status === 'warn').length;
    say(
      failed
        ? `${failed} check(s) failed: fix them and run \`scene-projects-mcp doctor\` again.`
        : `All set${warned ? ` (${warned} warning(s) above)` : ''}.`,
    );
    return failed ? 1 : 0;
  } finally {
    await closeSandbox?.();
  }
}

async function gather(t: DoctorTarget, secrets: string[]): Promise<Check[]> {
  const checks: Check[] = [tokenCheck(t)];
  const probe = new ServiceProbe(t.url, t.token, secrets);
  try {
    const list = await probe.list();
    checks.push(...serviceChecks(t, list));
    const accepted = list.kind === 'answer' && list.projects !== undefined;
    const byPerson = accepted && t.personId !== undefined ? await probe.list(t.personId) : undefined;
    checks.push(
      accepted || t.personId === undefined
        ? personCheck(t, byPerson)
        : {
            name: 'person id',
            status: 'skip',
            detail: `${t.personId}, not checked: the API did not list projects.`,
          },
    );
    checks.push(clockCheck(list));
  } finally {
    await probe.close();
  }
  return checks;
}

/** The file store writes in the state directory, a Redis store must answer; otherwise the temporary directory is all. */
function stateCheck(store: Config['store'], token: string | undefined): Promise<Check> {
  if (store.kind === 'redis') return redisCheck(store.url, accountKey(token));
  if (store.kind === 'file')
    return writableCheck(
      'state directory',
      store.dir ?? defaultStateDir(),
      'Set --state-dir / TWIN_STATE_DIR to a directory you can write to (the state file keeps credit limits and used quotes).',
    );
  return writableCheck(
    'temporary directory',
    tmpdir(),
    'Set TMPDIR (Windows: TEMP) to a directory you can write to.',
  );
}
