/**
 * The portability rules of the MCP Inspector's `--strict` mode (inspector 2.12, core/json/schemaLint),
 * restated so the suite can hold every published schema to them without installing the inspector:
 * - type-union: `type` given as an array (e.g. `["string","null"]`);
 * - untyped-schema: a subschema with no validation keyword (`{}`, e.g. `additionalProperties: {}`);
 * - boolean-schema: a bare `true`/`false` where a schema object is expected;
 * - remote-ref: a `$ref` outside the document.
 * Plus one of ours: a `null` branch in `anyOf`/`oneOf`, the other spelling of a nullable type.
 */

export interface Finding {
  rule: string;
  path: string;
}

const CONSTRAINING = new Set([
  'type',
  'enum',
  'const',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'format',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'required',
  'dependentRequired',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'items',
  'prefixItems',
  'contains',
  'additionalItems',
  'unevaluatedItems',
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  'dependentSchemas',
  'dependencies',
  '$ref',
  '$dynamicRef',
  '$recursiveRef',
]);
const BOOLEAN_OK = new Set([
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
]);
const ONE = [
  'items',
  'contains',
  'not',
  'propertyNames',
  'if',
  'then',
  'else',
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
  'contentSchema',
];
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions'];

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls `visit` on every subschema, with its path and the keyword it sits under. */
export function walkSchema(
  node: unknown,
  visit: (node: unknown, path: string, keyword: string | undefined) => void,
  path = '',
  keyword?: string,
): void {
  visit(node, path, keyword);
  if (!isNode(node)) return;
  for (const k of MAP) {
    const m = node[k];
    if (isNode(m))
      for (const [name, sub] of Object.entries(m)) walkSchema(sub, visit, `${path}.${k}.${name}`, k);
  }
  for (const k of LIST) {
    const a = node[k];
    if (Array.isArray(a)) for (const [i, sub] of a.entries()) walkSchema(sub, visit, `${path}.${k}[${i}]`, k);
  }
  for (const k of ONE) if (k in node) walkSchema(node[k], visit, `${path}.${k}`, k);
}

export function lintSchema(schema: unknown, root: string): Finding[] {
  const out: Finding[] = [];
  walkSchema(
    schema,
    (node, path, keyword) => {
      const at = `${root}${path}`;
      if (typeof node === 'boolean') {
        if (!keyword || !BOOLEAN_OK.has(keyword)) out.push({ rule: 'boolean-schema', path: at });
        return;
      }
      if (!isNode(node)) return;
      if (Array.isArray(node.type)) out.push({ rule: 'type-union', path: at });
      if (typeof node.$ref === 'string' && !node.$ref.startsWith('#'))
        out.push({ rule: 'remote-ref', path: at });
      const constrains =
        Object.keys(node).some((k) => CONSTRAINING.has(k)) ||
        ('if' in node && ('then' in node || 'else' in node));
      if (!constrains && keyword !== 'not') out.push({ rule: 'untyped-schema', path: at });
      for (const k of ['anyOf', 'oneOf']) {
        const branches = node[k];
        if (Array.isArray(branches) && branches.some((b) => isNode(b) && b.type === 'null'))
          out.push({ rule: 'null-branch', path: at });
      }
    },
    '',
  );
  return out;
}
