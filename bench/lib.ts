/** Shared helpers for the benchmarks: statistics, child processes, RSS, the machine. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;
export const BARE = `${ROOT}bench/fixtures/bare-server.mjs`;

export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}
export const median = (v: number[]): number => {
  if (!v.length) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Resident memory of a process in KiB (VmRSS), or NaN once it is gone. */
export function rssKiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects after `ms` with a message naming what took too long. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Order of the two sides for round i: ABBA, so slow drift cancels out. */
export const abba = (i: number): ['a', 'b'] | ['b', 'a'] =>
  i % 4 === 0 || i % 4 === 3 ? ['a', 'b'] : ['b', 'a'];

/** Environment for the server children: the dummy token, quiet logs, no inherited test/sandbox settings. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(TWIN_|MCP_HTTP|NODE_OPTIONS$)/.test(k)) env[k] = v;
  }
  return { ...env, TWIN_API_TOKEN: 'bench-dummy-token', TWIN_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns node with args; resolves with the child once `ready(stderrSoFar)` returns a value. */
export async function spawnUntil<T>(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (out: string, err: string) => T | undefined,
  timeoutMs = 10_000,
): Promise<{ child: ChildProcess; value: T }> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const value = await within(
    timeoutMs,
    `starting ${args.join(' ')}`,
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = ready(out, err);
        if (v !== undefined) resolve(v);
      };
      child.stdout?.on('data', (d: Buffer) => {
        out += d;
        check();
      });
      child.stderr?.on('data', (d: Buffer) => {
        err += d;
        check();
      });
      child.once('exit', (code) =>
        reject(new Error(`${args.join(' ')} exited (${code}): ${err.slice(-500)}`)),
      );
    }),
  ).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { child, value };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the child has exited. */
export async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  platform: string;
  memTotalMiB: number;
  date: string;
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  let memTotalMiB = Number.NaN;
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
    memTotalMiB = Math.round(
      Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 1024,
    );
  } catch {}
  return {
    nproc: cpus().length,
    cpu,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memTotalMiB,
    date: new Date().toISOString(),
  };
}

/** One row of the printed table. */
export interface Row {
  benchmark: string;
  measure: string;
  ours: string;
  bare: string;
  ratio: string;
  goal: string;
  met: boolean | null;
}
