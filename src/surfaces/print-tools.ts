/**
 * `scene-projects-mcp tools [--format json|openai|anthropic]`: the registry's definitions, as the
 * MCP server publishes them (json) or ready to paste into an OpenAI or Anthropic request.
 */
import type { Config } from '../config.js';
import { selectTools } from '../tools/index.js';
import { toAnthropicTools } from './anthropic.js';
import { toOpenAITools } from './openai.js';
import { type ToolDescriptions, toolJsonSchemas } from './schemas.js';

export function printTools(cfg: Pick<Config, 'readOnly' | 'tools' | 'toolsFormat'>): string {
  const defs = selectTools(cfg);
  const described: ToolDescriptions = {
    tools: defs.map((t) => ({
      name: t.name as ToolDescriptions['tools'][number]['name'],
      title: t.title,
      description: t.description,
      inputSchema: toolJsonSchemas(t).inputSchema,
    })),
  };
  switch (cfg.toolsFormat) {
    case 'openai':
      return JSON.stringify(toOpenAITools(described), null, 2);
    case 'anthropic':
      return JSON.stringify(toAnthropicTools(described), null, 2);
    default:
      return JSON.stringify(
        defs.map((t) => {
          const { inputSchema, outputSchema } = toolJsonSchemas(t);
          return {
            name: t.name,
            title: t.title,
            description: t.description,
            annotations: t.annotations,
            input_schema: inputSchema,
            output_schema: outputSchema,
          };
        }),
        null,
        2,
      );
  }
}
