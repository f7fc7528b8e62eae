/**
 * OpenAI SDK adapter: the tools as Chat Completions function tools and as Responses API function
 * tools, and helpers that run a tool call and answer in that API's shape. The shapes are declared
 * here (structurally equal to the SDK's ChatCompletionFunctionTool, FunctionTool,
 * ChatCompletionMessageFunctionToolCall, ChatCompletionToolMessageParam, ResponseFunctionToolCall and
 * ResponseInputItem.FunctionCallOutput; the tests type-check them against openai 6), so the core
 * does not need the `openai` package.
 */
import { errorText } from '../server.js';
import { ToolInputError } from '../tools/errors.js';
import type { ExecuteOptions, SceneTools } from './library.js';
import { type JsonSchemaObject, type ToolDescriptions, wireSchema } from './schemas.js';

/** Chat Completions: `{ type: 'function', function: { name, description, parameters, strict } }`. */
export interface OpenAIFunctionTool {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchemaObject; strict: boolean };
}

/** Responses API: `{ type: 'function', name, description, parameters, strict }`. */
export interface OpenAIResponsesFunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: JsonSchemaObject;
  strict: boolean;
}

/** The part of a Chat Completions tool call this needs. */
export interface OpenAIToolCall {
  id: string;
  type?: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string;
}

/** The part of a Responses API `function_call` output item this needs. */
export interface OpenAIResponsesFunctionCall {
  type: 'function_call';
  call_id: string;
  name: string;
  arguments: string;
}

export interface OpenAIResponsesFunctionCallOutput {
  type: 'function_call_output';
  call_id: string;
  output: string;
}

/*
 * strict: false. Strict mode needs every property required and no defaults, and our tools have
 * optional arguments with server-side defaults; the arguments are validated on our side instead.
 */

export function toOpenAITools(scene: ToolDescriptions): OpenAIFunctionTool[] {
  return scene.tools.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      description: t.description,
      parameters: wireSchema(t.inputSchema),
      strict: false,
    },
  }));
}

export function toOpenAIResponsesTools(scene: ToolDescriptions): OpenAIResponsesFunctionTool[] {
  return scene.tools.map((t) => ({
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: wireSchema(t.inputSchema),
    strict: false,
  }));
}

/** Runs a model's tool call; the JSON arguments may be malformed (models do that): that is an error result. */
async function runCall(
  scene: SceneTools,
  name: string,
  json: string,
  opts?: ExecuteOptions,
): Promise<string> {
  let args: unknown;
  try {
    args = json.trim() === '' ? {} : JSON.parse(json);
  } catch (err) {
    return `Error: ${errorText(
      new ToolInputError(
        `The arguments of ${name} are not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's parameters.`,
      ),
    )}`;
  }
  const result = await scene.execute(name, args, opts);
  return result.isError ? `Error: ${result.text}` : result.text;
}

/** Chat Completions: runs `toolCall` and returns the `tool` message to append to the conversation. */
export async function handleOpenAIToolCall(
  scene: SceneTools,
  toolCall: OpenAIToolCall,
  opts?: ExecuteOptions,
): Promise<OpenAIToolMessage> {
  return {
    role: 'tool',
    tool_call_id: toolCall.id,
    content: await runCall(scene, toolCall.function.name, toolCall.function.arguments, opts),
  };
}

/** Responses API: runs a `function_call` item and returns the `function_call_output` input item. */
export async function handleOpenAIResponsesCall(
  scene: SceneTools,
  call: OpenAIResponsesFunctionCall,
  opts?: ExecuteOptions,
): Promise<OpenAIResponsesFunctionCallOutput> {
  return {
    type: 'function_call_output',
    call_id: call.call_id,
    output: await runCall(scene, call.name, call.arguments, opts),
  };
}
