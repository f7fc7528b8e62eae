/**
 * What the tool definitions cost in a model's context, from the real `tools/list` answer of a client
 * connected in memory. Two figures, as issue 13 sets the goals:
 * - model: what a host gives the model per tool (name, description, input schema; tools hidden from
 *   the model by `_meta.ui.visibility` are left out), as an Anthropic or OpenAI request carries it;
 * - payload: the whole `tools/list` result as a client receives it, output schemas and metadata included.
 * Tokens are estimated as characters / 4, the measure the goals were set in.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { buildServer, newSession } from '../src/server.js';

export const TOKEN_GOALS = { model: 2500, payload: 3500 } as const;

export const tokens = (chars: number): number => Math.round(chars / 4);

export interface ListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every tool this server can offer (no allow-list, not read-only), as `tools/list` answers. */
export async function listAllTools(): Promise<ListedTool[]> {
  const rt = await createRuntime(loadConfig([], { TWIN_LOG_LEVEL: 'silent' }), { logger: silentLogger });
  const server = buildServer(rt, newSession(rt, 'tools-size'));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'tools-size', version: '1.0.0' });
  try {
    await client.connect(clientSide);
    return (await client.listTools()).tools as ListedTool[];
  } finally {
    await client.close();
    await server.close();
    await rt.close();
  }
}

/** Hidden from the model: an MCP Apps tool whose visibility leaves "model" out. */
export function modelVisible(t: ListedTool): boolean {
  const ui = t._meta?.ui as { visibility?: string[] } | undefined;
  return !ui?.visibility || ui.visibility.includes('model');
}

/** What a host hands the model for one tool. */
export const modelChars = (t: ListedTool): number =>
  JSON.stringify({ name: t.name, description: t.description, input_schema: t.inputSchema }).length;

export interface ToolsFigures {
  tools: number;
  modelChars: number;
  modelTokens: number;
  payloadChars: number;
  payloadTokens: number;
}

export function figures(tools: ListedTool[]): ToolsFigures {
  const model = tools.filter(modelVisible).reduce((sum, t) => sum + modelChars(t), 0);
  const payload = JSON.stringify({ tools }).length;
  return {
    tools: tools.length,
    modelChars: model,
    modelTokens: tokens(model),
    payloadChars: payload,
    payloadTokens: tokens(payload),
  };
}
