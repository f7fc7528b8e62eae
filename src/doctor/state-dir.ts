/** Whether a directory the server writes to can be created and written, proved by writing to it. */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Check } from './checks.js';

export async function writableCheck(name: string, dir: string, fix: string): Promise<Check> {
  const probe = join(dir, `.doctor-${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(probe, 'ok', { mode: 0o600 });
    await rm(probe, { force: true });
    return { name, status: 'ok', detail: `${dir} is writable.` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { name, status: 'fail', detail: `cannot write in ${dir} (${code}).`, fix };
  }
}

/** A Redis store answers for this account: spending is refused while it does not. */
export async function redisCheck(url: string, account: string): Promise<Check> {
  const name = 'Redis store';
  const { openRedisStore, redisWhere } = await import('../store/redis.js');
  const store = await openRedisStore({ url });
  try {
    const u = await store.usage(account, 'lifetime');
    return {
      name,
      status: 'ok',
      detail: `${redisWhere(url)} answers (${u.spent} credits spent through it by this account).`,
    };
  } catch (err) {
    return {
      name,
      status: 'fail',
      detail: `${err instanceof Error ? err.message : String(err)}. Spending is refused until it answers.`,
      fix: 'Start Redis (7 or newer) there, or correct --store / TWIN_STORE (redis://host:6379, rediss:// for TLS; a password goes in the URL).',
    };
  } finally {
    await store.close();
  }
}
