/**
 * scene-projects-mcp as a library: the same eight tools as the MCP server, for applications that run
 * their own agent loop, plus adapters for the OpenAI, Anthropic and Vercel AI SDKs.
 *
 *   import { createSceneTools, toOpenAITools, handleOpenAIToolCall } from 'scene-projects-mcp';
 *   const scene = createSceneTools({ token, personId: 1, confirmSpend: async (q) => askPerson(q) });
 *
 * Importing this module does nothing by itself: no client, no network, no timers until you call.
 */
import type { Sandbox, SandboxOptions } from './sandbox/contract.js';

export type { SceneProjectsApi } from './api/contract.js';
export { ApiError, isApiError } from './api/errors/index.js';
export type { Project, ProjectStatusResponse, Scene } from './api/schemas.js';
/** Thrown by createSceneTools for an option it cannot use; the message names the option. */
export { ConfigError } from './config.js';
export { VERSION } from './runtime.js';
export type {
  Ledger,
  LedgerEntry,
  Sandbox,
  SandboxOptions,
} from './sandbox/contract.js';
export {
  type AnthropicTool,
  type AnthropicToolResult,
  type AnthropicToolUse,
  handleAnthropicToolUse,
  handleAnthropicToolUses,
  toAnthropicTools,
} from './surfaces/anthropic.js';
export {
  createSceneTools,
  type ExecuteOptions,
  type LogLevel,
  type SceneTool,
  type SceneToolResult,
  type SceneTools,
  type SceneToolsOptions,
} from './surfaces/library.js';
export {
  handleOpenAIResponsesCall,
  handleOpenAIToolCall,
  type OpenAIFunctionTool,
  type OpenAIResponsesFunctionCall,
  type OpenAIResponsesFunctionCallOutput,
  type OpenAIResponsesFunctionTool,
  type OpenAIToolCall,
  type OpenAIToolMessage,
  toOpenAIResponsesTools,
  toOpenAITools,
} from './surfaces/openai.js';
export { type PollIntervals, type WaitForProjectOptions, WaitTimeoutError } from './surfaces/poll.js';
export type { JsonSchemaObject, ToolDescriptions } from './surfaces/schemas.js';
export { toVercelAITools, type VercelAIToolsOptions } from './surfaces/vercel-ai.js';
export type { QuoteView, ResourceLink, ToolAnnotations, ToolEffect } from './tools/define.js';
export { TOOL_NAMES, type ToolName } from './tools/index.js';

/**
 * Starts a local simulated Scene Projects API (no account, no real credits), e.g. to try the tools:
 *   const sb = await startSandbox();
 *   const scene = createSceneTools({ baseUrl: sb.url, token: sb.token, personId: 1, confirmSpend });
 * Loaded on first call only.
 */
export async function startSandbox(options?: SandboxOptions): Promise<Sandbox> {
  const { startSandbox: start } = await import('./sandbox/index.js');
  return start(options);
}
