/**
 * A tool is defined once, here, and served on every surface: the MCP server, the agent-framework
 * adapters and the `tools` command all read these definitions. The type makes annotations and an
 * output schema mandatory, so no tool can ship without saying what it does to the world.
 */
import type { z } from 'zod';
import type { QuoteView, SpendContext } from '../consent/channel.js';
import type { ProjectFollower } from '../live/follower.js';
import type { ImageBlock } from '../media/scene-images.js';
import { portableSchema } from './json-schema.js';

export type { ConsentAnswer, ConsentChannel, QuoteView } from '../consent/channel.js';

/** What a tool does to the world. Read-only mode reads annotations.readOnlyHint, which must agree. */
export type ToolEffect = 'read' | 'write' | 'spend';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ResourceLink {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** What a tool's handler gets: what the spend gate needs, and a few things only tools use. */
export interface ToolContext extends SpendContext {
  defaults: { personId?: number };
  follower?: ProjectFollower;
  /** The folder save_video writes into (--media-dir); unset: the platform's default (src/media/folder.ts). */
  mediaDir?: string;
  /** Progress for long calls; `total` 100 when a percentage. Never throws. */
  progress(progress: number, total: number | undefined, message: string): Promise<void>;
}

export interface ToolSuccess<O> {
  structured: O;
  text: string;
  links?: ResourceLink[];
  /** Images for the model to look at, each after a short label. */
  images?: ImageBlock[];
  /** A handled refusal (e.g. consent declined, quote expired): shown to the model as an error result. */
  isError?: boolean;
}

/** The person must be asked before the call can go on (MCP elicitation). */
export interface ToolNeedsConsent {
  ask: { message: string; quote: QuoteView };
}

export type ToolOutcome<O> = ToolSuccess<O> | ToolNeedsConsent;

export interface ToolDef<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject = z.ZodObject,
  N extends string = string,
> {
  name: N;
  title: string;
  description: string;
  effect: ToolEffect;
  /** The tool's result opens the storyboard view on hosts that render MCP Apps. */
  view?: 'storyboard';
  /** Only the storyboard view may call it (MCP Apps visibility "app"); listed only to app-rendering clients. */
  appOnly?: boolean;
  /**
   * Writes files where the server runs: offered where that is the person's own machine (stdio), and
   * elsewhere (HTTP, the library) only when a media folder was set explicitly.
   */
  localFiles?: true;
  annotations: ToolAnnotations;
  input: I;
  output: O;
  handler: (args: z.output<I>, ctx: ToolContext) => Promise<ToolOutcome<z.input<O>>>;
}

/** Keeps each tool file's handler typed against its own schemas, and caches their portable JSON Schema. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject, const N extends string>(
  def: ToolDef<I, O, N>,
): ToolDef<I, O, N> {
  // Read-only mode and hosts' approval prompts trust readOnlyHint; `effect` must never contradict it.
  if (def.annotations.readOnlyHint !== (def.effect === 'read')) {
    throw new Error(`${def.name}: readOnlyHint must be true exactly when effect is 'read'.`);
  }
  cacheJsonSchema(def.input);
  cacheJsonSchema(def.output);
  return def;
}

type JsonSchemaFn = (opts?: unknown) => Record<string, unknown>;
/** Converters already wrapped: a schema shared by two tools is wrapped once. */
const CACHED = new WeakSet<object>();

/**
 * The SDK converts a tool's schemas to JSON Schema on every server instance it builds, and 2026-era
 * HTTP builds one per request: the conversion was the largest cost under load. The schemas are
 * module-level constants, so their JSON Schema is computed once per process and reused. Every
 * surface reads it through here, so each publishes the same portable schema (./json-schema.ts).
 */
function cacheJsonSchema(schema: z.ZodType): void {
  const std = schema['~standard'] as { jsonSchema?: { input: JsonSchemaFn; output: JsonSchemaFn } };
  const convert = std.jsonSchema;
  if (!convert || CACHED.has(convert)) return;
  const cache = new Map<string, Record<string, unknown>>();
  const memo =
    (io: 'input' | 'output'): JsonSchemaFn =>
    (opts) => {
      const key = `${io}:${JSON.stringify(opts ?? null)}`;
      let out = cache.get(key);
      if (!out) {
        out = portableSchema(convert[io](opts), io);
        cache.set(key, out);
      }
      return out;
    };
  std.jsonSchema = { input: memo('input'), output: memo('output') };
  CACHED.add(std.jsonSchema);
}

/** The JSON Schema a tool publishes on every surface (MCP tools/list, adapters, `tools` command). */
export function publishedSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  cacheJsonSchema(schema);
  const std = schema['~standard'] as unknown as { jsonSchema: { input: JsonSchemaFn; output: JsonSchemaFn } };
  return std.jsonSchema[io]({ target: 'draft-2020-12' });
}

export const READ: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};
