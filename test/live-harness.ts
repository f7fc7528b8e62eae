/** Shared set-up for the live-layer tests: a sandbox, a runtime on it, in-memory MCP clients of either era. */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { expect } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { WatcherTiming } from '../src/live/timing.js';
import { silentLogger } from '../src/log.js';
import { liveExtension } from '../src/resources/extension.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { startSandbox } from '../src/sandbox/index.js';
import { serveStdioMode } from '../src/transports/stdio.js';
import { until } from './helpers/wait.js';

export type Era = 'legacy' | 'modern';

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

export const watcherOf = (rt: Runtime) => rt.live!.watcher;

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

type Structured = Record<string, unknown> & { quote?: { quote_token: string; credits: number } };

/** Drafts a project and approves it through the tools, the way an agent without elicitation does. */
export async function draftAndApprove(
  client: Client,
  beforeApprove: (id: number) => Promise<void>,
): Promise<number> {
  const created = await client.callTool({
    name: 'create_story',
    arguments: { story_idea: 'A lantern walks home through a snowy forest.', num_scenes: 3 },
  });
  expect(created.isError).toBeFalsy();
  const id = (created.structuredContent as { project: { id: number } }).project.id;
  expect(typeof id).toBe('number');
  await beforeApprove(id);
  const quote = await client.callTool({ name: 'approve_project', arguments: { project_id: id } });
  const q = (quote.structuredContent as Structured).quote!;
  expect(q.credits).toBeGreaterThan(0);
  const started = await client.callTool({
    name: 'approve_project',
    arguments: { project_id: id, confirm_credits: true, quote_token: q.quote_token, max_credits: q.credits },
  });
  expect((started.structuredContent as Structured).outcome).toBe('started');
  return id;
}

/** Subscribes (era-appropriately), then collects updates until the re-read resource says completed. */
export async function followToCompletion(
  client: Client,
  era: Era,
): Promise<{ updates: string[]; final: Record<string, unknown> }> {
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (n) => {
    updates.push(n.params.uri);
  });
  let uri = '';
  let sub: { close(): Promise<void> } | undefined;
  const id = await draftAndApprove(client, async (projectId) => {
    uri = `scene-projects://projects/${projectId}`;
    if (era === 'modern') {
      const s = await client.listen({ resourceSubscriptions: [uri] });
      expect(s.honoredFilter.resourceSubscriptions).toEqual([uri]);
      sub = s;
    } else {
      await client.subscribeResource({ uri });
    }
  });
  expect(id).toBeGreaterThan(0);
  let final: Record<string, unknown> = {};
  let seen = 0;
  const deadline = Date.now() + 12_000;
  while (final.status !== 'completed') {
    await until(
      () => updates.length > seen,
      `an update (${updates.length} so far)`,
      Math.max(0, deadline - Date.now()),
    );
    seen = updates.length;
    const r = await client.readResource({ uri });
    final = JSON.parse((r.contents[0] as { text: string }).text);
  }
  if (sub) await sub.close();
  else await client.unsubscribeResource({ uri });
  return { updates, final };
}
