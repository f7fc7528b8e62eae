/**
 * The MCPB manifest (Claude Desktop extension) against the code it describes: the tool list against
 * the registry, the version against package.json, every user setting against a variable the config
 * reads, and the settings' defaults through loadConfig as Claude Desktop would hand them over.
 */
import { readFileSync } from 'node:fs';
import { LATEST_MANIFEST_VERSION, MANIFEST_SCHEMAS } from '@anthropic-ai/mcpb/node';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { VERSION } from '../src/runtime.js';
import { SETTINGS, type Setting } from '../src/settings.js';
import { TOOLS } from '../src/tools/index.js';

interface UserOption {
  type: 'string' | 'number' | 'boolean' | 'directory' | 'file';
  title: string;
  description: string;
  required?: boolean;
  default?: string | number | boolean;
  sensitive?: boolean;
}

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', root), 'utf8')) as {
  manifest_version: string;
  name: string;
  version: string;
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: { name: string; description: string }[];
  user_config: Record<string, UserOption>;
};
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

/** What Claude Desktop passes: each ${user_config.KEY} replaced by the person's value or the default. */
function substitute(values: Record<string, string | number | boolean | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, template] of Object.entries(manifest.server.mcp_config.env)) {
    env[name] = template.replace(/\$\{user_config\.(\w+)\}/g, (_m, key: string) =>
      String(values[key] ?? manifest.user_config[key]?.default),
    );
  }
  return env;
}

describe('manifest.json', () => {
  it('is a manifest of the newest version mcpb accepts, valid by its schema, for this package and version', () => {
    expect(manifest.manifest_version).toBe(LATEST_MANIFEST_VERSION);
    const checked = MANIFEST_SCHEMAS[LATEST_MANIFEST_VERSION].safeParse(manifest);
    expect(checked.success, JSON.stringify(checked.error?.issues)).toBe(true);
    expect(manifest.name).toBe(pkg.name);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.version).toBe(VERSION);
  });

  it('starts the CLI the package ships, with node', () => {
    expect(manifest.server.type).toBe('node');
    expect(manifest.server.entry_point).toBe(pkg.bin['scene-projects-mcp']);
    expect(manifest.server.mcp_config.command).toBe('node');
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${manifest.server.entry_point}`]);
  });

  it('lists exactly the registry’s tools, in order, each described by its title', () => {
    expect(manifest.tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const t of manifest.tools) {
      const def = TOOLS.find((d) => d.name === t.name)!;
      expect(t.description, t.name).toBe(def.title);
    }
    // The two spending tools say so where the person sees the list.
    for (const name of ['approve_project', 'regenerate_scene']) {
      expect(manifest.tools.find((t) => t.name === name)?.description).toMatch(/spends credits/);
    }
  });

  it('maps every user setting to an environment variable the config reads, and nothing else', () => {
    const known = new Set((Object.values(SETTINGS) as Setting[]).map((s) => s.env));
    const used = new Set<string>();
    for (const [envName, template] of Object.entries(manifest.server.mcp_config.env)) {
      expect(known.has(envName), `${envName} is not read by src/config.ts`).toBe(true);
      const m = /^\$\{user_config\.(\w+)\}$/.exec(template);
      expect(m, `${envName} should be exactly one \${user_config.KEY}`).not.toBeNull();
      expect(manifest.user_config[m![1]!], `${envName} names an unknown user_config key`).toBeDefined();
      used.add(m![1]!);
    }
    expect([...used].sort()).toEqual(Object.keys(manifest.user_config).sort());
  });

  it('gives every optional setting a default (Claude Desktop passes the raw placeholder otherwise)', () => {
    for (const [key, opt] of Object.entries(manifest.user_config)) {
      expect(opt.title && opt.description, key).toBeTruthy();
      if (!opt.required) expect(opt.default, `${key} needs a default`).toBeDefined();
    }
    expect(manifest.user_config.api_token?.sensitive).toBe(true);
    expect(manifest.user_config.api_token?.required).toBe(false);
  });

  it('loads with every default, and with values a person would type', () => {
    const defaults = loadConfig([], substitute({}));
    expect(defaults.api.token).toBeUndefined();
    expect(defaults.api.personId).toBeUndefined();
    expect(defaults.consent.creditLimit).toBeUndefined();
    expect(defaults.readOnly).toBe(false);
    expect(defaults.sandbox.enabled).toBe(false);
    expect(defaults.mode).toBe('stdio');
    expect(defaults.media.dir).toBeUndefined();

    const typed = loadConfig(
      [],
      substitute({
        api_token: 'tok_example_123456',
        person_id: '7',
        credit_limit: '500',
        read_only: true,
        sandbox: true,
        media_dir: '/Users/ana/Movies/My videos',
      }),
    );
    expect(typed.api.token).toBe('tok_example_123456');
    expect(typed.api.personId).toBe(7);
    expect(typed.consent.creditLimit).toBe(500);
    expect(typed.readOnly).toBe(true);
    expect(typed.sandbox.enabled).toBe(true);
    expect(typed.media.dir).toBe('/Users/ana/Movies/My videos');
  });
});
