/**
 * Anthropic SDK adapter: the tools as Messages API tool entries, and helpers that run `tool_use`
 * blocks and answer with `tool_result` blocks. The shapes are declared here (structurally equal to
 * the SDK's Tool, ToolUseBlock and ToolResultBlockParam; the tests type-check them against
 * @anthropic-ai/sdk), so the core does not need the SDK.
 */
import type { ExecuteOptions, SceneTools } from './library.js';
import { type JsonSchemaObject, type ToolDescriptions, wireSchema } from './schemas.js';

export interface AnthropicTool {
  name: string;
  description: string;
  input_schema: JsonSchemaObject;
}

/** The part of a `tool_use` content block this needs. */
export interface AnthropicToolUse {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export type AnthropicResultBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: 'image/jpeg'; data: string } };

export interface AnthropicToolResult {
  type: 'tool_result';
  tool_use_id: string;
  /** The text, or the text followed by labelled scene images when the tool returned some. */
  content: string | AnthropicResultBlock[];
  is_error?: boolean;
}

export function toAnthropicTools(scene: ToolDescriptions): AnthropicTool[] {
  return scene.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: wireSchema(t.inputSchema),
  }));
}

/** Runs one `tool_use` block; returns the `tool_result` block for the next user message. */
export async function handleAnthropicToolUse(
  scene: SceneTools,
  block: AnthropicToolUse,
  opts?: ExecuteOptions,
): Promise<AnthropicToolResult> {
  const r = await scene.execute(block.name, block.input, opts);
  const content: AnthropicToolResult['content'] = r.images?.length
    ? [
        { type: 'text', text: r.text },
        ...r.images.flatMap((i): AnthropicResultBlock[] => [
          { type: 'text', text: i.label },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: i.data } },
        ]),
      ]
    : r.text;
  return {
    type: 'tool_result',
    tool_use_id: block.id,
    content,
    ...(r.isError ? { is_error: true } : {}),
  };
}

/**
 * Runs every `tool_use` block of an assistant message that names one of these tools (others are
 * left to the caller), in order; returns their `tool_result` blocks.
 */
export async function handleAnthropicToolUses(
  scene: SceneTools,
  content: readonly { type: string }[],
  opts?: ExecuteOptions,
): Promise<AnthropicToolResult[]> {
  const results: AnthropicToolResult[] = [];
  for (const block of content) {
    if (block.type !== 'tool_use') continue;
    const use = block as AnthropicToolUse;
    if (!scene.get(use.name)) continue;
    results.push(await handleAnthropicToolUse(scene, use, opts));
  }
  return results;
}
