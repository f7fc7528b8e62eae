/**
 * The JSON Schema a tool publishes, made portable and lean. Zod writes nullable fields as type arrays
 * (`["string","null"]`) and open objects as `additionalProperties: {}`: legal JSON Schema, but clients
 * that map tool schemas onto a single-type dialect (Gemini's OpenAPI subset, the MCP Inspector's strict
 * mode) reject or warn on them, and every byte is read by the model. So, once per schema:
 * - `$schema` goes: 2020-12 is MCP's default dialect, and the key costs tokens in every tool;
 * - a `null` branch goes: structured results never carry `null` (see `withoutNulls`), absent says it;
 * - `additionalProperties` goes from output schemas: results stay open to fields the service adds;
 * - an empty `properties` goes, and so do the ±2^53 bounds zod gives every integer (JSON's own).
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullType = (v: unknown): boolean => isObject(v) && v.type === 'null' && Object.keys(v).length === 1;

function clean(node: unknown, io: 'input' | 'output'): unknown {
  if (Array.isArray(node)) return node.map((n) => clean(n, io));
  if (!isObject(node)) return node;
  let out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (
      key === 'additionalProperties' &&
      (io === 'output' || (isObject(value) && !Object.keys(value).length))
    )
      continue;
    if (key === 'properties' && isObject(value) && !Object.keys(value).length) continue;
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER)
      continue;
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, io)]));
      continue;
    }
    out[key] = clean(value, io);
  }
  if (Array.isArray(out.type)) {
    const types = out.type.filter((t) => t !== 'null');
    out.type = types.length === 1 ? types[0] : types;
  }
  if (Array.isArray(out.anyOf)) {
    const branches = out.anyOf.filter((b) => !isNullType(b));
    if (branches.length === 1) {
      const { anyOf: _drop, ...rest } = out;
      out = { ...(branches[0] as Json), ...rest };
    } else out.anyOf = branches;
  }
  return out;
}

/** A zod-written JSON Schema as tools publish it (see the file comment). Pure; the input is not changed. */
export function portableSchema(
  schema: Record<string, unknown>,
  io: 'input' | 'output',
): Record<string, unknown> {
  return clean(schema, io) as Record<string, unknown>;
}

/**
 * Structured results as published: `null` (the service's way of saying "none") is written as an
 * absent field, which is what the portable output schemas describe.
 */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls) as T;
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
  return out as T;
}
