/**
 * Replicas of the built server as an operator runs them: separate `node dist/cli.js --http`
 * processes on loopback sharing one store, each reached by a real MCP client of the 2026 protocol
 * (stateless over HTTP, so calls may go to any replica).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { builtCli } from './dist.js';

export interface Replica {
  url: string;
  pid: number;
  client: Client;
  log(): string;
  /** Ends the process: SIGTERM (a clean stop) or SIGKILL (a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A built server over HTTP on a free port, once it says where it listens; its stderr is kept. */
export interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  log(): string;
  /** Ends the process: SIGTERM (a clean stop) or SIGKILL (a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnHttpServer(
  env: Record<string, string>,
  args: string[] = [],
  logLevel = 'info',
): Promise<HttpServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [builtCli(), '--http', '--port', '0', ...args], {
    env: { PATH: process.env.PATH ?? '', TWIN_LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20_000);
    child.stderr?.on('data', (d) => {
      log += String(d);
      const m = /serving MCP over Streamable HTTP at (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${log}`));
    });
  });
  return {
    url,
    child,
    log: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}

export async function startReplica(env: Record<string, string>, args: string[] = []): Promise<Replica> {
  const server = await spawnHttpServer(env, args);
  const { url } = server;
  const client = new Client(
    { name: 'replica-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    url,
    pid: server.child.pid!,
    client,
    log: server.log,
    async stop(signal) {
      await client.close().catch(() => {});
      await server.stop(signal);
    },
  };
}

export type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text?: string }>;
};

export async function callTool(r: Replica, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await r.client.callTool({ name, arguments: args }, { timeout: 120_000 })) as ToolResult;
}

export const textOf = (r: ToolResult): string => r.content.map((c) => c.text ?? '').join('\n');
