/**
 * Vercel AI SDK adapter: the tools as `tool()` objects with `jsonSchema()` input schemas, ready for
 * generateText / streamText `tools`. `ai` is an optional peer dependency, loaded only when this is
 * called, so the library entry works without it.
 */
import type { ToolSet } from 'ai';
import type { ExecuteOptions, SceneToolResult, SceneTools } from './library.js';
import { wireSchema } from './schemas.js';

export interface VercelAIToolsOptions {
  /** Progress of long calls, with the tool call's id. */
  onProgress?: (toolCallId: string, progress: number, total: number | undefined, message: string) => void;
}

/**
 * `{ [name]: tool({ description, inputSchema: jsonSchema(...), execute, toModelOutput }) }`.
 * `execute` resolves with our SceneToolResult (never throws); the model sees its text, as an error
 * when `isError`.
 */
export async function toVercelAITools(
  scene: SceneTools,
  options: VercelAIToolsOptions = {},
): Promise<ToolSet> {
  let ai: typeof import('ai');
  try {
    ai = await import('ai');
  } catch (err) {
    throw new Error(
      `toVercelAITools needs the "ai" package (Vercel AI SDK 6): npm install ai@6. (${(err as Error).message})`,
    );
  }
  const { jsonSchema, tool } = ai;
  const set: ToolSet = {};
  for (const t of scene.tools) {
    set[t.name] = tool<unknown, SceneToolResult>({
      title: t.title,
      description: t.description,
      inputSchema: jsonSchema<unknown>(wireSchema(t.inputSchema) as Parameters<typeof jsonSchema>[0]),
      execute: (input, { abortSignal, toolCallId }) => {
        const opts: ExecuteOptions = { signal: abortSignal };
        if (options.onProgress) {
          const cb = options.onProgress;
          opts.onProgress = (p, total, message) => cb(toolCallId, p, total, message);
        }
        return t.execute(input, opts);
      },
      toModelOutput: ({ output }) =>
        output.isError ? { type: 'error-text', value: output.text } : { type: 'text', value: output.text },
    });
  }
  return set;
}
