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
