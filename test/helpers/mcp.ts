/** Test wiring: the product's runtime on an in-process sandbox, and real MCP clients of either era over memory. */

import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { expect } from 'vitest';
import { APP_MIME_TYPE, UI_EXTENSION } from '../../src/app/capability.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { liveExtension } from '../../src/resources/extension.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../../src/runtime.js';
import { buildServer, newSession } from '../../src/server.js';

export async function sandboxRuntime(
  flags: string[] = [],
  overrides: RuntimeOverrides = {},
): Promise<Runtime> {
  const config = loadConfig(['--sandbox', '--time-scale', '400', ...flags], {});
  return createRuntime(config, { logger: silentLogger, ...overrides });
}

export interface ElicitRecord {
  message: string;
  requestedSchema: unknown;
}

export interface ConnectOptions {
  era?: 'legacy' | 'modern';
  /** Announce the MCP Apps extension (`io.modelcontextprotocol/ui`), as hosts that render apps do. */
  ui?: boolean;
  /** Answer elicitations; omit to connect a client that cannot elicit. */
  elicit?: (req: ElicitRecord) => {
    action: 'accept' | 'decline' | 'cancel';
    content?: Record<string, string | number | boolean>;
  };
}

export interface Connected {
  client: Client;
  asked: ElicitRecord[];
  close(): Promise<void>;
}

export async function connect(rt: Runtime, opts: ConnectOptions = {}): Promise<Connected> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const session = newSession(rt, 'test', rt.config.consent.sessionCreditLimit);
  const handle = serveStdio((ctx) => buildServer(rt, session, ctx, liveExtension(rt)), {
    transport: serverSide,
  });
  const asked: ElicitRecord[] = [];
  const client = new Client(
    { name: 'test-client', version: '1.0.0' },
    {
      capabilities: {
        ...(opts.elicit && { elicitation: { form: {} } }),
        ...(opts.ui && { extensions: { [UI_EXTENSION]: { mimeTypes: [APP_MIME_TYPE] } } }),
      },
      ...(opts.era === 'modern' && { versionNegotiation: { mode: 'auto' as const } }),
    },
  );
  if (opts.elicit) {
    const answer = opts.elicit;
    client.setRequestHandler('elicitation/create', async (req) => {
      const rec = {
        message: req.params.message,
        requestedSchema: (req.params as { requestedSchema?: unknown }).requestedSchema,
      };
      asked.push(rec);
      return answer(rec);
    });
  }
  await client.connect(clientSide);
  return {
    client,
    asked,
    async close() {
      await client.close().catch(() => {});
      await handle.close().catch(() => {});
    },
  };
}

export type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string; uri?: string }>;
  structuredContent?: Record<string, unknown>;
};

export async function call(c: Connected, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await c.client.callTool({ name, arguments: args })) as ToolResult;
}

export const text = (r: ToolResult): string =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');

export const STORY =
  'A lighthouse keeper finds a message in a bottle and sails across a stormy sea to answer it.';

/** The call a model makes once the person agreed to a 300-credit quote. */
export const confirmApproval = (
  c: Connected,
  id: number,
  token: string,
  extra: Record<string, unknown> = {},
) =>
  call(c, 'approve_project', {
    project_id: id,
    confirm_credits: true,
    quote_token: token,
    max_credits: 300,
    ...extra,
  });

/** Asks approve_project for a quote (nothing is spent) and returns its token. */
export async function quoteToken(c: Connected, id: number): Promise<string> {
  const q = await call(c, 'approve_project', { project_id: id });
  expect(q.structuredContent, text(q)).toMatchObject({ outcome: 'quote' });
  return (q.structuredContent!.quote as { quote_token: string }).quote_token;
}
