/** JSON Schemas of the tool definitions, as published on every surface. */
import { publishedSchema, type ToolDef } from '../tools/define.js';
import type { ToolName } from '../tools/index.js';

/** A JSON Schema for an object, as z.toJSONSchema writes it. */
export interface JsonSchemaObject {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [key: string]: unknown;
}

/** The schema as sent to a model: without `$schema`, which only costs tokens there. */
export function wireSchema(schema: JsonSchemaObject): JsonSchemaObject {
  const { $schema: _drop, ...rest } = schema;
  return rest as JsonSchemaObject;
}

/** What the definition adapters (toOpenAITools, toAnthropicTools, the `tools` command) read. */
export interface ToolDescriptions {
  readonly tools: readonly {
    name: ToolName;
    title: string;
    description: string;
    inputSchema: JsonSchemaObject;
  }[];
}

/** The JSON Schema a tool definition publishes (also used by `tools` and the adapters). */
export function toolJsonSchemas(def: ToolDef): {
  inputSchema: JsonSchemaObject;
  outputSchema: JsonSchemaObject;
} {
  return {
    inputSchema: publishedSchema(def.input, 'input') as JsonSchemaObject,
    outputSchema: publishedSchema(def.output, 'output') as JsonSchemaObject,
  };
}
