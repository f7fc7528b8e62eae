/** In-process wiring shared by the per-call and polling benchmarks: runtime + sandbox + MCP clients over memory. */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { SceneProjectsApi } from '../src/api/contract.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { liveExtension } from '../src/resources/extension.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../src/runtime.js';
import type { Sandbox } from '../src/sandbox/contract.js';
import { buildServer, newSession } from '../src/server.js';

export async function runtimeOn(sandbox: Sandbox, o: RuntimeOverrides = {}): Promise<Runtime> {
  // --sandbox with a sandbox handed in: the runtime points its client at it and starts none.
  const config = loadConfig(['--sandbox', '--time-scale', '1'], {});
  return createRuntime(config, { logger: silentLogger, sandbox, ...o });
}

export interface MemClient {
  client: Client;
  close(): Promise<void>;
}

/** A real MCP client connected to the product's server over an InMemoryTransport pair. */
export async function memClient(rt: Runtime, name = 'bench'): Promise<MemClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const session = newSession(rt, name);
  const handle = serveStdio((ctx) => buildServer(rt, session, ctx, liveExtension(rt)), {
    transport: serverSide,
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close().catch(() => {});
      await handle.close().catch(() => {});
    },
  };
}

/** A proposed project of `scenes` scenes on the sandbox. */
export async function newProject(api: SceneProjectsApi, scenes = 5): Promise<number> {
  const p = await api.createStory({
    person_id: 1,
    story_idea: 'A lighthouse keeper finds a message in a bottle and sails across a stormy sea to answer it.',
    num_scenes: scenes,
  });
  return p.id;
}
