/**
 * Every schema the tools publish, as a client receives them from tools/list: portable (the MCP
 * Inspector's strict mode finds nothing), typed clients get integers for ids and counts, no shape is
 * declared twice, the same schemas on every surface, and within the token goals of issue 13.
 * (That results match their output schemas is checked by the SDK client in every test that calls a
 * tool: it validates each successful result against the published schema.)
 */
import { describe, expect, it } from 'vitest';
import { figures, type ListedTool, listAllTools, TOKEN_GOALS } from '../bench/tools-size-lib.js';
import { createSceneTools } from '../src/index.js';
import { lintSchema, walkSchema } from './helpers/schema-lint.js';

const tools: ListedTool[] = await listAllTools();
const schemas = tools.flatMap((t) => [
  { where: `${t.name}.inputSchema`, schema: t.inputSchema as unknown },
  ...(t.outputSchema ? [{ where: `${t.name}.outputSchema`, schema: t.outputSchema as unknown }] : []),
]);

/** Properties that hold ids or counts: a typed client must get an integer type for them. */
const WHOLE = /^(id|\w+_id|scene_number|num_scenes|credits|max_credits|estimated_credits|total|shown|limit)$/;

describe('published tool schemas', () => {
  it('pass the MCP Inspector strict-mode rules: no type arrays, null branches, untyped or boolean schemas', () => {
    const findings = schemas.flatMap(({ where, schema }) => lintSchema(schema, where));
    expect(findings).toEqual([]);
  });

  it('catch what the rules are for (the linter itself can fail)', () => {
    const bad = {
      type: 'object',
      properties: {
        a: { type: ['string', 'null'] },
        b: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        c: {},
      },
      additionalProperties: {},
    };
    expect(lintSchema(bad, 'x')).toEqual([
      { rule: 'type-union', path: 'x.properties.a' },
      { rule: 'null-branch', path: 'x.properties.b' },
      { rule: 'untyped-schema', path: 'x.properties.c' },
      { rule: 'untyped-schema', path: 'x.additionalProperties' },
    ]);
  });

  it('type every id and count as integer, in inputs and outputs', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const { where, schema } of schemas) {
      walkSchema(schema, (node, path, keyword) => {
        const name = path.split('.').at(-1) ?? '';
        if (keyword !== 'properties' || !WHOLE.test(name)) return;
        checked++;
        if ((node as { type?: unknown }).type !== 'integer') wrong.push(`${where}${path}`);
      });
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('carry no $schema and declare no nested shape twice across the list', () => {
    const seen = new Map<string, string>();
    const repeated: string[] = [];
    for (const { where, schema } of schemas) {
      expect(JSON.stringify(schema), where).not.toContain('$schema');
      walkSchema(schema, (node, path) => {
        const props = (node as { properties?: object }).properties;
        if (!path || !props || Object.keys(props).length < 4) return;
        const key = JSON.stringify(node);
        const first = seen.get(key);
        if (first) repeated.push(`${where}${path} repeats ${first}`);
        else seen.set(key, `${where}${path}`);
      });
    }
    expect(repeated).toEqual([]);
  });

  it('are the same for applications using the library as for MCP clients', async () => {
    const scene = createSceneTools({ token: 'tok_unused_in_this_test' });
    try {
      for (const t of scene.tools) {
        const listed = tools.find((l) => l.name === t.name)!;
        expect(t.inputSchema, t.name).toEqual(listed.inputSchema);
        expect(t.outputSchema, t.name).toEqual(listed.outputSchema);
      }
    } finally {
      await scene.close();
    }
  });

  it(`stay within the token goals (model ≤ ${TOKEN_GOALS.model}, whole tools/list ≤ ${TOKEN_GOALS.payload})`, () => {
    const f = figures(tools);
    expect(f.modelTokens).toBeLessThanOrEqual(TOKEN_GOALS.model);
    expect(f.payloadTokens).toBeLessThanOrEqual(TOKEN_GOALS.payload);
  });
});
