/**
 * Spawns a stdio MCP server and speaks raw JSON-RPC lines to it (no client library, so the
 * measuring side adds as little as possible): initialize → initialized → tools/list.
 */
import { spawn } from 'node:child_process';
import { childEnv, rssKiB, stop, within } from './lib.js';

export interface Probe {
  /** spawn() → the answer to the first tools/list, ms. */
  ms: number;
  /** The child's VmRSS right after that answer, KiB. */
  rssKiB: number;
  tools: number;
}

export async function probeStdio(args: string[], timeoutMs = 10_000): Promise<Probe> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
  try {
    return await within(
      timeoutMs,
      `stdio start-up of ${args.join(' ')}`,
      new Promise<Probe>((resolve, reject) => {
        let buf = '';
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr.slice(-400)}`)));
        child.stdout.on('data', (d: Buffer) => {
          buf += d;
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            const msg = JSON.parse(line) as { id?: number; result?: { tools?: unknown[] }; error?: unknown };
            if (msg.error) reject(new Error(`JSON-RPC error: ${JSON.stringify(msg.error)}`));
            if (msg.id === 1) {
              send({ jsonrpc: '2.0', method: 'notifications/initialized' });
              send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
            } else if (msg.id === 2) {
              const ms = performance.now() - t0;
              resolve({ ms, rssKiB: rssKiB(child.pid), tools: msg.result?.tools?.length ?? 0 });
            }
          }
        });
        send({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'bench', version: '1' },
          },
        });
      }),
    );
  } finally {
    child.stdin.end();
    await stop(child);
  }
}
