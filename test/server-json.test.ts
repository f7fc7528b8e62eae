/**
 * server.json, this server's entry for the MCP Registry, checked offline against the registry's
 * 2025-12-11 schema (vendored byte for byte: its sha256 is pinned below), and against what it
 * describes: the npm package, the bundle manifest's settings, and the variables the config reads.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from '../src/settings.js';

const SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
/** https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json, generated in modelcontextprotocol/registry. */
const SCHEMA_SHA256 = '3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0';

const root = new URL('../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root));
const schemaBytes = read('test/fixtures/registry-server.schema.json');
const serverJson = JSON.parse(read('server.json').toString('utf8'));
const pkg = JSON.parse(read('package.json').toString('utf8'));
const manifest = JSON.parse(read('manifest.json').toString('utf8'));

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
// strict: false — the registry's schema uses OpenAPI's `example`, which is not a JSON Schema keyword.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(schemaBytes.toString('utf8')));
const problems = (doc: unknown) =>
  validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

interface EnvVar {
  name: string;
  description?: string;
  isSecret?: boolean;
  format?: string;
  default?: string;
}
const npmPackage = serverJson.packages?.find((p: { registryType: string }) => p.registryType === 'npm') as {
  identifier: string;
  version: string;
  transport: { type: string };
  environmentVariables: EnvVar[];
};

describe('server.json for the MCP Registry', () => {
  it('is checked against the registry’s own 2025-12-11 schema, unchanged', () => {
    expect(createHash('sha256').update(schemaBytes).digest('hex')).toBe(SCHEMA_SHA256);
    expect(JSON.parse(schemaBytes.toString('utf8')).$id).toBe(SCHEMA_URL);
    expect(serverJson.$schema).toBe(SCHEMA_URL);
  });

  it('is valid by that schema', () => {
    expect(problems(serverJson)).toEqual([]);
  });

  it('would be refused with a bad name, an overlong description or a version range', () => {
    expect(problems({ ...serverJson, name: 'scene-projects-mcp' }).join()).toMatch(
      /\/name must match pattern/,
    );
    expect(problems({ ...serverJson, description: 'x'.repeat(101) }).join()).toMatch(/\/description/);
    const ranged = { ...npmPackage, version: 'latest' };
    expect(problems({ ...serverJson, packages: [ranged] }).join()).toMatch(/\/packages\/0\/version/);
  });

  it('names the npm package this repository publishes, at its version, run over stdio', () => {
    expect(serverJson.name).toBe(pkg.mcpName);
    expect(serverJson.version).toBe(pkg.version);
    expect(npmPackage.identifier).toBe(pkg.name);
    expect(npmPackage.version).toBe(pkg.version);
    expect(npmPackage.transport.type).toBe('stdio');
    expect(serverJson.description).toBe(manifest.description);
  });

  it('offers the bundle’s settings as environment variables the config reads, the token secret', () => {
    const vars = npmPackage.environmentVariables;
    expect(vars.map((v) => v.name).sort()).toEqual(Object.keys(manifest.server.mcp_config.env).sort());
    const settings = Object.values(SETTINGS) as Setting[];
    for (const v of vars) {
      const setting = settings.find((s) => s.env === v.name);
      expect(setting, `${v.name} is not read by src/settings.ts`).toBeDefined();
      expect(v.isSecret === true, `${v.name} isSecret`).toBe(setting!.secret === true);
      expect(v.description, v.name).toBeTruthy();
      if (v.default !== undefined && setting!.default !== undefined)
        expect(v.default, v.name).toBe(String(setting!.default));
    }
  });
});
