/** Shared set-up for the live-layer tests: a sandbox, a runtime on it, in-memory MCP clients of either era. */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../src/config.js';
import { liveExtension } from '../src/live/extension.js';
import { liveOf } from '../src/live/live.js';
import type { WatcherTiming } from '../src/live/watcher.js';
import { silentLogger } from '../src/log.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';
import { serveStdioMode } from '../src/transports/stdio.js';

export type Era = 'legacy' | 'modern';

export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface LiveEnv {
  sb: Sandbox;
  rt: Runtime;
  close(): Promise<void>;
}

export async function liveEnv(
  opts: { timeScale?: number; watch?: Partial<WatcherTiming>; argv?: string[] } = {},
): Promise<LiveEnv> {
  const sb = await startSandbox({ timeScale: opts.timeScale ?? 1, credits: 1_000_000 });
  const rt = await createRuntime(loadConfig(opts.argv ?? [], {}), {
    sandbox: sb,
    logger: silentLogger,
    watch: opts.watch,
  });
  return {
    sb,
    rt,
    async close() {
      await rt.close();
      await sb.close();
    },
  };
}

export const watcherOf = (rt: Runtime) => liveOf(rt)!.watcher;

/** A client of the given era connected in memory to a stdio-mode server (serveStdio) on `rt`. */
export async function connect(rt: Runtime, era: Era): Promise<{ client: Client; close(): Promise<void> }> {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  const handle = serveStdioMode(rt, liveExtension(rt), { transport: serverEnd });
  const client = new Client(
    { name: `live-test-${era}`, version: '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  await client.connect(clientEnd);
  const version = client.getNegotiatedProtocolVersion() ?? '';
  if ((era === 'modern') !== version.startsWith('2026'))
    throw new Error(`expected a ${era} connection, got ${version}`);
  return {
    client,
    async close() {
      await client.close().catch(() => {});
      await handle.close().catch(() => {});
    },
  };
}

/** A project the sandbox is generating (created and approved directly through the API). */
export async function generatingProject(
  rt: Runtime,
  numScenes = 3,
  idea = 'A paper boat sails across a city after rain.',
): Promise<number> {
  const p = await rt.api.createStory({ person_id: 1, story_idea: idea, num_scenes: numScenes });
  await rt.api.approveProject(p.id, { confirm_credits: true });
  return p.id;
}

export async function proposedProject(
  rt: Runtime,
  idea = 'An old clock repairs the town’s broken days.',
): Promise<number> {
  const p = await rt.api.createStory({ person_id: 1, story_idea: idea, num_scenes: 2 });
  return p.id;
}

export function textOf(result: { content?: unknown }): string {
  const c = (result.content as Array<{ type: string; text?: string }> | undefined) ?? [];
  return c
    .filter((x) => x.type === 'text')
    .map((x) => x.text)
    .join('\n');
}
