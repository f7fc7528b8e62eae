/**
 * One typed, validated configuration, read in a short pipeline: parse flags → read environment →
 * merge (defaults < environment < flags) → validate. Every setting is declared once in settings.ts;
 * validation happens once, at start, with messages that name the flag and the variable to fix.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { Command, Config, Mode } from './config-shape.js';
import { DEFAULT_SANDBOX_PORT } from './sandbox/contract.js';
import {
  READ_ONLY_TOOL_NAMES,
  SETTINGS,
  type Setting,
  type SettingKey,
  type SettingValues,
} from './settings.js';
import type { StoreSpec } from './store/spec.js';

export type { Command, Config, Mode } from './config-shape.js';

const COMMANDS: readonly string[] = [
  'sandbox',
  'tools',
  'preview',
  'doctor',
  'budget',
  'tenants',
] satisfies Command[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Settings before validation: text from flags and variables, or typed values from defaults and the library. */
export type RawSettings = Partial<Record<SettingKey, unknown>>;

const ENTRIES = Object.entries(SETTINGS) as [SettingKey, Setting][];

const PARSE_OPTIONS = Object.fromEntries(
  ENTRIES.flatMap(([, s]) =>
    s.flag
      ? [
          [
            s.flag.slice(2),
            {
              type: s.switch ? 'boolean' : 'string',
              ...(s.short ? { short: s.short } : {}),
              ...(s.multiple ? { multiple: true } : {}),
            },
          ],
        ]
      : [],
  ),
) as Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }>;

const BY_FLAG = new Map(ENTRIES.flatMap(([key, s]) => (s.flag ? [[s.flag.slice(2), key] as const] : [])));

/** Stage 1: the command line. Unknown flags and commands are refused here. */
export function parseFlags(argv: string[]): { command?: Command; values: RawSettings; args: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: PARSE_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's text goes on about positional arguments; the first sentence is the useful part.
    const first = (err as Error).message.split(/\.\s/)[0]?.replace(/\.$/, '');
    throw new ConfigError(`${first}. Run with --help to see the options.`);
  }
  const [command, ...rest] = parsed.positionals;
  // Only the tenants command takes words of its own (`tenants add NAME`).
  if ((rest.length && command !== 'tenants') || (command !== undefined && !COMMANDS.includes(command))) {
    throw new ConfigError(
      `Unknown command "${parsed.positionals.join(' ')}". Commands: ${COMMANDS.join(', ')}; or no command to serve MCP. Run with --help.`,
    );
  }
  const values: RawSettings = {};
  for (const [flag, value] of Object.entries(parsed.values)) values[BY_FLAG.get(flag)!] = value;
  return { command: command as Command | undefined, values, args: command === 'tenants' ? rest : [] };
}

/**
 * An environment value, or undefined when unset, empty, or an unfilled `${user_config.KEY}` placeholder
 * (Claude Desktop passes that text through when an optional bundle setting was left blank).
 */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' || /^\$\{user_config\.[^}]*\}$/.test(v.trim()) ? undefined : v;
}

/** Stage 2: the environment variables, as text. */
export function readEnv(
  env: NodeJS.ProcessEnv,
  keys: readonly SettingKey[] = Object.keys(SETTINGS) as SettingKey[],
): RawSettings {
  const values: RawSettings = {};
  for (const key of keys) {
    const name = (SETTINGS[key] as Setting).env;
    const v = name ? fromEnv(env, name) : undefined;
    if (v !== undefined) values[key] = v;
  }
  return values;
}

/** Stage 3: later layers win; unset values never hide earlier ones. Defaults first. */
export function merge(...layers: RawSettings[]): RawSettings {
  const out: RawSettings = {};
  for (const layer of [defaults(), ...layers]) {
    for (const [key, v] of Object.entries(layer)) if (v !== undefined) out[key as SettingKey] = v;
  }
  return out;
}

function defaults(): RawSettings {
  return Object.fromEntries(
    ENTRIES.flatMap(([key, s]) => (s.default === undefined ? [] : [[key, s.default]])),
  );
}

/** How a message names a setting: its flag and variable on the command line, its option in the library. */
export type Labeler = (key: SettingKey) => string;

export const cliLabel: Labeler = (key) => {
  const s: Setting = SETTINGS[key];
  return [s.flag, s.env].filter(Boolean).join(' / ');
};

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];
export const isLoopback = (host: string): boolean => LOOPBACK_HOSTS.includes(host) || host.startsWith('127.');

/**
 * Below this, a token cannot be hidden safely in logs (redacting "T" would mangle every word holding a
 * T), and no real service issues one so short: such tokens are for a local sandbox only.
 */
export const MIN_API_TOKEN_LENGTH = 8;

/** Rules that span settings. Each names the settings to change. */
function crossCheck(v: SettingValues, label: Labeler, mode: Mode): string | undefined {
  if (v.readOnly && v.tools && !v.tools.some((t) => READ_ONLY_TOOL_NAMES.includes(t))) {
    return `${label('readOnly')} keeps only ${READ_ONLY_TOOL_NAMES.join(', ')}, and ${label('tools')} names none of them: no tool would be offered.`;
  }
  const serving = mode === 'stdio' || mode === 'http';
  if (serving && !v.sandbox && v.apiToken && v.apiToken.length < MIN_API_TOKEN_LENGTH) {
    const host = new URL(v.apiUrl).hostname;
    if (!isLoopback(host)) {
      return `${label('apiToken')} is shorter than ${MIN_API_TOKEN_LENGTH} characters, which no real API token is: set the whole token. (A token this short is accepted only for an API on loopback, such as a local sandbox; ${host} is not.)`;
    }
  }
  if (v.tenants) {
    if (v.sandbox)
      return `${label('tenants')} serves people's own accounts; ${label('sandbox')} has one: start \`scene-projects-mcp sandbox --token A --token B\` and point ${label('apiUrl')} at it instead.`;
    if (mode !== 'http')
      return `${label('tenants')} serves many people over HTTP: add ${label('http')}, or leave it unset.`;
    if (v.httpToken)
      return `${label('tenants')} admits each person by their own access token; ${label('httpToken')} is for serving one person: unset it.`;
    if (!v.storeKey)
      return `${label('tenants')} needs ${label('storeKey')} (at least 32 characters), the key the tenants’ API tokens were stored under.`;
    return undefined;
  }
  if (mode === 'http' && !isLoopback(v.host) && !v.httpToken) {
    return `Serving HTTP on ${v.host} (not loopback) needs a bearer token: set ${label('httpToken')} (at least 16 characters).`;
  }
  return undefined;
}

/** One setting through its schema; a failure names the setting and, unless secret or already a sentence, the value. */
function check(key: SettingKey, value: unknown, label: Labeler): unknown {
  const s: Setting = SETTINGS[key];
  const r = (s.schema as z.ZodType).safeParse(value);
  if (r.success) return r.data;
  const message = r.error.issues[0]?.message ?? 'is not valid';
  const got = s.secret || message.endsWith('.') ? '.' : `; got "${String(value)}".`;
  throw new ConfigError(`${label(key)} ${message.replace(/\.$/, '')}${got}`);
}

/**
 * Stage 4: every given setting through its schema, then the rules that span settings. The first
 * problem becomes a ConfigError that says which setting to change and how.
 */
export function validate(raw: RawSettings, opts: { command?: Command; label?: Labeler } = {}): SettingValues {
  const label = opts.label ?? cliLabel;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) out[key] = check(key as SettingKey, value, label);
  const values = out as SettingValues;
  const problem = crossCheck(values, label, modeOf(opts.command, values));
  if (problem) throw new ConfigError(problem);
  return values;
}

export function modeOf(
  command: Command | undefined,
  v: Pick<SettingValues, 'help' | 'version' | 'http'>,
): Mode {
  if (v.help) return 'help';
  if (v.version) return 'version';
  return command ?? (v.http ? 'http' : 'stdio');
}

const TENANT_OWN: readonly SettingKey[] = ['creditLimit', 'creditPeriod', 'readOnly', 'tools'];

/** Reads argv (without node and script) and an environment into a validated Config. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  const { command, values: flags, args } = parseFlags(argv);
  // A tenant's limits come from the tenants command's own flags, never from the server's variables.
  const envKeys =
    command === 'tenants'
      ? (Object.keys(SETTINGS) as SettingKey[]).filter((k) => !TENANT_OWN.includes(k))
      : undefined;
  const values = validate(merge(readEnv(env, envKeys), flags), { command });
  return toConfig(values, modeOf(command, values), flags, args);
}

function toConfig(v: SettingValues, mode: Mode, flags: RawSettings, args: string[] = []): Config {
  return {
    mode,
    api: { url: v.apiUrl, token: v.apiToken, personId: v.personId },
    sandbox: {
      enabled: v.sandbox,
      // The sandbox command listens on --port alone: MCP_HTTP_PORT is the MCP server's port.
      port: mode === 'sandbox' ? (flags.port === undefined ? DEFAULT_SANDBOX_PORT : v.port) : 0,
      tokens: v.token,
      credits: v.credits,
      timeScale: v.timeScale,
    },
    consent: {
      creditLimit: v.creditLimit,
      creditPeriod: v.creditPeriod,
      sessionCreditLimit: v.sessionCreditLimit,
      quoteKey: v.quoteKey,
      quoteTtlSeconds: 600,
    },
    store: storeOf(v),
    readOnly: v.readOnly,
    tenants: {
      enabled: v.tenants,
      args,
      storeKey: v.storeKey,
      requestsPerMinute: v.tenantRate,
      maxWaits: v.tenantWaits,
    },
    pollIntervalMs: v.pollIntervalMs,
    tools: v.tools,
    media: { dir: v.mediaDir },
    app: { mediaOrigins: v.mediaOrigins },
    http: {
      host: v.host,
      port: v.port,
      token: v.httpToken,
      allowedHosts: v.allowedHosts,
      allowedOrigins: v.allowedOrigins,
      maxBodyBytes: v.maxBodyBytes,
      maxSessions: v.maxSessions,
      sessionIdleSeconds: v.sessionIdleSeconds,
      maxStreams: v.maxStreams,
      maxAuthFailures: v.maxAuthFailures,
    },
    logLevel: v.logLevel,
    toolsFormat: v.format,
  };
}

/** The file store by default: limits hold across restarts. The sandbox's money is not real: memory. */
function storeOf(v: SettingValues): Config['store'] {
  const spec: StoreSpec = v.store ?? (v.sandbox ? { kind: 'memory' } : { kind: 'file' });
  const chosen = v.store !== undefined;
  return spec.kind === 'file' && v.stateDir ? { kind: 'file', dir: v.stateDir, chosen } : { ...spec, chosen };
}

function helpRow(s: Setting, width = 24): string {
  const noDefault = s.default === undefined || s.default === false || String(s.default) === '';
  const what = noDefault || s.help.endsWith('.') ? s.help : `${s.help} (default ${String(s.default)}).`;
  const flag = s.short ? `-${s.short}, ${s.flag}` : (s.flag ?? '');
  return `  ${flag.padEnd(width)}${(s.env ?? '').padEnd(32)}${what}`;
}

export function helpText(version: string): string {
  const all = Object.values(SETTINGS) as Setting[];
  const { credits, format } = SETTINGS;
  return [
    `scene-projects-mcp ${version} — MCP server for the Scene Projects API (story idea → multi-scene video).`,
    '',
    'Usage:',
    '  scene-projects-mcp [options]            serve MCP over stdio (default)',
    '  scene-projects-mcp --http [options]     serve Streamable HTTP at http://HOST:PORT/mcp',
    '  scene-projects-mcp --sandbox            use a local simulated API (no account needed)',
    `  scene-projects-mcp sandbox [--port ${DEFAULT_SANDBOX_PORT}] [--token TOKEN]… [--credits ${credits.default}] [--time-scale 1]`,
    '                                          run the simulated API alone',
    `  scene-projects-mcp tools [--format ${format.default}|openai|anthropic]`,
    '                                          print the tool definitions',
    '  scene-projects-mcp preview [--port 3333] try the storyboard app in a browser, on loopback',
    '                                          (on the sandbox unless TWIN_API_TOKEN is set)',
    '  scene-projects-mcp doctor [--sandbox]   check the token, API URL, person id, clock and state directory',
    '  scene-projects-mcp tenants add NAME [--credit-limit N --credit-period P --read-only --tools a,b]',
    '                                          a person a --http --tenants server serves (API token on stdin;',
    '                                          prints their access token once); also: list, rotate NAME,',
    '                                          remove NAME, set-key NAME (TWIN_STORE_KEY required)',
    '  scene-projects-mcp budget               credits spent in the --credit-period, left, unsettled, recent',
    '',
    'Options (flag, environment variable; flags win over the environment):',
    ...all.filter((s) => !s.command && !s.short).map((s) => helpRow(s)),
    '',
    'Command options:',
    ...all.filter((s) => s.command || s.short).map((s) => helpRow(s)),
  ].join('\n');
}
