/**
 * A real `redis-server` (Debian's package) started on a free loopback port with a temporary
 * directory, stopped and removed after. Used by the tests (through redis-server.ts) and the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const onPath = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'redis-server'));
const CANDIDATES = [process.env.REDIS_SERVER, '/usr/bin/redis-server', ...onPath];
export const REDIS_SERVER = CANDIDATES.find((p): p is string => !!p && existsSync(p));

/** A port nobody listens on now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.connect(port, '127.0.0.1');
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const bin = REDIS_SERVER;
  const dir = mkdtempSync(join(tmpdir(), 'spmcp-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    let log = '';
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const c = spawn(bin, [...args, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'pipe' });
    child = c;
    c.stdout?.on('data', (d) => {
      log += String(d);
    });
    c.stderr?.on('data', (d) => {
      log += String(d);
    });
    const deadline = Date.now() + 10_000;
    while (!(await connects(port))) {
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}): ${log.trim()}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}: ${log.trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
