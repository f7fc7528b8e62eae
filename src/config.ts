/**
 * One typed, validated configuration. Precedence: defaults < environment < flags.
 * Validation happens once, at start, with messages that name the flag and the variable to fix.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { LogLevel } from './log.js';

export const TOOL_NAMES = [
  'create_story',
  'list_projects',
  'get_project',
  'update_scene',
  'approve_project',
  'get_status',
  'regenerate_scene',
  'upscale',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
/** The tools that neither spend nor change anything: what read-only mode keeps. */
export const READ_TOOLS = [
  'list_projects',
  'get_project',
  'get_status',
] as const satisfies readonly ToolName[];

export type Mode = 'stdio' | 'http' | 'sandbox' | 'tools' | 'help' | 'version';

export interface Config {
  mode: Mode;
  api: { url: string; token?: string; personId?: number };
  sandbox: { enabled: boolean; port: number; token?: string; credits: number; timeScale: number };
  consent: { creditLimit?: number; sessionCreditLimit?: number; quoteKey?: string; quoteTtlSeconds: number };
  readOnly: boolean;
  tools?: ToolName[];
  http: {
    host: string;
    port: number;
    token?: string;
    allowedHosts: string[];
    allowedOrigins: string[];
    maxBodyBytes: number;
    maxSessions: number;
    sessionIdleSeconds: number;
  };
  logLevel: LogLevel;
  toolsFormat: 'json' | 'openai' | 'anthropic';
}

export const DEFAULT_API_URL = 'https://api.twin.actor/api/v1';

/** Every setting: its flag, its environment variable, what it means. Feeds --help and the README table. */
export const SETTINGS = [
  [
    '--sandbox',
    'TWIN_SANDBOX',
    'Run against an in-process sandbox of the API (no account, no real credits).',
  ],
  ['--time-scale', '', 'Sandbox speed: 1 = a 5-scene video in ~10 s (default); 10 = ten times faster.'],
  ['', 'TWIN_API_TOKEN', 'Scene Projects API token (Bearer). Environment only, never a flag.'],
  ['--api-url', 'TWIN_API_URL', `API base URL (default ${DEFAULT_API_URL}).`],
  ['--person-id', 'TWIN_PERSON_ID', 'Default person (character) id for create_story.'],
  [
    '--credit-limit',
    'TWIN_CREDIT_LIMIT',
    'Most credits this server may spend in its lifetime (default: no limit).',
  ],
  ['--session-credit-limit', 'TWIN_SESSION_CREDIT_LIMIT', 'Most credits one HTTP session may spend.'],
  ['--read-only', 'TWIN_READ_ONLY', 'Offer only tools that neither spend nor change anything.'],
  ['--tools', 'TWIN_TOOLS', 'Comma-separated allow-list of tool names.'],
  [
    '',
    'TWIN_QUOTE_KEY',
    'Secret (>= 32 chars) signing quote tokens; share it between replicas. Default: random.',
  ],
  [
    '--log-level',
    'TWIN_LOG_LEVEL',
    'debug | info | warn | error | silent (default info; logs go to stderr).',
  ],
  ['--http', 'MCP_HTTP', 'Serve Streamable HTTP at /mcp instead of stdio.'],
  ['--host', 'MCP_HTTP_HOST', 'HTTP bind address (default 127.0.0.1).'],
  ['--port', 'MCP_HTTP_PORT', 'HTTP port (default 3333).'],
  [
    '--http-token',
    'MCP_HTTP_TOKEN',
    'Bearer token (16+ characters) HTTP clients must send; required when the host is not loopback.',
  ],
  ['--allowed-hosts', 'MCP_HTTP_ALLOWED_HOSTS', 'Extra Host header values to accept (comma-separated).'],
  ['--allowed-origins', 'MCP_HTTP_ALLOWED_ORIGINS', 'Extra Origin values to accept (comma-separated).'],
  ['--max-sessions', 'MCP_HTTP_MAX_SESSIONS', 'Most concurrent 2025-era HTTP sessions (default 100).'],
  [
    '--session-idle-seconds',
    'MCP_HTTP_SESSION_IDLE_SECONDS',
    'Idle HTTP sessions close after this (default 1800).',
  ],
  ['--max-body-bytes', 'MCP_HTTP_MAX_BODY_BYTES', 'Largest HTTP request body accepted (default 1048576).'],
] as const;

const FLAG_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  sandbox: { type: 'boolean' },
  http: { type: 'boolean' },
  'read-only': { type: 'boolean' },
  'api-url': { type: 'string' },
  'person-id': { type: 'string' },
  'credit-limit': { type: 'string' },
  'session-credit-limit': { type: 'string' },
  tools: { type: 'string' },
  'log-level': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'http-token': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'max-sessions': { type: 'string' },
  'session-idle-seconds': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  // sandbox subcommand
  token: { type: 'string' },
  credits: { type: 'string' },
  'time-scale': { type: 'string' },
  // tools subcommand
  format: { type: 'string' },
} as const;

/**
 * An environment value, or undefined when unset, empty, or an unfilled `${user_config.KEY}` placeholder
 * (Claude Desktop passes that text through when an optional bundle setting was left blank).
 */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' || /^\$\{user_config\.[^}]*\}$/.test(v.trim()) ? undefined : v;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const truthy = (v: string | undefined): boolean | undefined =>
  v === undefined || v === '' ? undefined : /^(1|true|yes|on)$/i.test(v.trim());

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function int(
  name: string,
  raw: string | undefined,
  { min, max }: { min: number; max: number },
): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}; got "${raw}".`);
  }
  return n;
}

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];
export const isLoopback = (host: string): boolean => LOOPBACK_HOSTS.includes(host) || host.startsWith('127.');

/** Reads argv (without node and script) and an environment into a validated Config. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): Config {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof FLAG_OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: FLAG_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's text goes on about positional arguments; the first sentence is the useful part.
    const first = (err as Error).message.split(/\.\s/)[0]?.replace(/\.$/, '');
    throw new ConfigError(`${first}. Run with --help to see the options.`);
  }
  const f = parsed.values;
  const command = parsed.positionals[0];
  if (parsed.positionals.length > 1 || (command && command !== 'sandbox' && command !== 'tools')) {
    throw new ConfigError(
      `Unknown command "${parsed.positionals.join(' ')}". Commands: sandbox, tools; or no command to serve MCP. Run with --help.`,
    );
  }

  const pick = (flag: string | undefined, envName: string): string | undefined =>
    flag ?? fromEnv(env, envName);
  const httpFlag = f.http ?? truthy(fromEnv(env, 'MCP_HTTP')) ?? false;

  let mode: Mode = httpFlag ? 'http' : 'stdio';
  if (command === 'sandbox') mode = 'sandbox';
  if (command === 'tools') mode = 'tools';
  if (f.version) mode = 'version';
  if (f.help) mode = 'help';

  const apiUrl = pick(f['api-url'], 'TWIN_API_URL') ?? DEFAULT_API_URL;
  const urlCheck = z.url({ protocol: /^https?$/ }).safeParse(apiUrl);
  if (!urlCheck.success) {
    throw new ConfigError(`--api-url / TWIN_API_URL must be an http(s) URL; got "${apiUrl}".`);
  }
  const parsedUrl = new URL(apiUrl);
  if (parsedUrl.username || parsedUrl.password) {
    // The URL appears in messages to the model; credentials belong in TWIN_API_TOKEN.
    throw new ConfigError(
      '--api-url / TWIN_API_URL must not carry a user or password: put the token in TWIN_API_TOKEN.',
    );
  }

  const logLevel = (pick(f['log-level'], 'TWIN_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      `--log-level / TWIN_LOG_LEVEL must be debug, info, warn, error or silent; got "${logLevel}".`,
    );
  }

  const toolsRaw = pick(f.tools, 'TWIN_TOOLS');
  let tools: ToolName[] | undefined;
  if (toolsRaw !== undefined) {
    const names = list(toolsRaw);
    const unknown = names.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
    if (unknown.length) {
      throw new ConfigError(
        `--tools / TWIN_TOOLS names unknown tools: ${unknown.join(', ')}. Known: ${TOOL_NAMES.join(', ')}.`,
      );
    }
    if (!names.length)
      throw new ConfigError('--tools / TWIN_TOOLS is empty: name at least one tool, or leave it unset.');
    tools = names as ToolName[];
  }

  const readOnly = f['read-only'] ?? truthy(fromEnv(env, 'TWIN_READ_ONLY')) ?? false;
  if (readOnly && tools && !tools.some((t) => (READ_TOOLS as readonly string[]).includes(t))) {
    throw new ConfigError(
      `--read-only keeps only ${READ_TOOLS.join(', ')}, and --tools / TWIN_TOOLS names none of them: no tool would be offered.`,
    );
  }

  const quoteKey = fromEnv(env, 'TWIN_QUOTE_KEY');
  if (quoteKey !== undefined && quoteKey.length < 32) {
    throw new ConfigError('TWIN_QUOTE_KEY must be at least 32 characters (use e.g. `openssl rand -hex 32`).');
  }

  const host = pick(f.host, 'MCP_HTTP_HOST') ?? '127.0.0.1';
  const port = int('--port / MCP_HTTP_PORT', pick(f.port, 'MCP_HTTP_PORT'), { min: 0, max: 65535 }) ?? 3333;
  const httpToken = pick(f['http-token'], 'MCP_HTTP_TOKEN') || undefined;
  if (mode === 'http' && !isLoopback(host) && !httpToken) {
    throw new ConfigError(
      `Serving HTTP on ${host} (not loopback) needs a bearer token: set --http-token or MCP_HTTP_TOKEN (at least 16 characters).`,
    );
  }
  if (httpToken !== undefined && httpToken.length < 16) {
    throw new ConfigError('--http-token / MCP_HTTP_TOKEN must be at least 16 characters.');
  }

  const sandboxEnabled = f.sandbox ?? truthy(fromEnv(env, 'TWIN_SANDBOX')) ?? false;
  const token = fromEnv(env, 'TWIN_API_TOKEN')?.trim();

  const toolsFormat = (f.format ?? 'json') as Config['toolsFormat'];
  if (!['json', 'openai', 'anthropic'].includes(toolsFormat)) {
    throw new ConfigError(`--format must be json, openai or anthropic; got "${f.format}".`);
  }

  const timeScaleRaw = f['time-scale'];
  const timeScale = timeScaleRaw === undefined ? 1 : Number(timeScaleRaw);
  if (!Number.isFinite(timeScale) || timeScale <= 0) {
    throw new ConfigError(`--time-scale must be a positive number; got "${timeScaleRaw}".`);
  }

  return {
    mode,
    api: {
      url: apiUrl.replace(/\/+$/, ''),
      token,
      personId: int('--person-id / TWIN_PERSON_ID', pick(f['person-id'], 'TWIN_PERSON_ID'), {
        min: 1,
        max: 2 ** 31,
      }),
    },
    sandbox: {
      enabled: sandboxEnabled,
      port: mode === 'sandbox' ? (int('--port', f.port, { min: 0, max: 65535 }) ?? 4010) : 0,
      token: f.token,
      credits: int('--credits', f.credits, { min: 0, max: 10_000_000 }) ?? 1000,
      timeScale,
    },
    consent: {
      creditLimit: int('--credit-limit / TWIN_CREDIT_LIMIT', pick(f['credit-limit'], 'TWIN_CREDIT_LIMIT'), {
        min: 0,
        max: 100_000_000,
      }),
      sessionCreditLimit: int(
        '--session-credit-limit / TWIN_SESSION_CREDIT_LIMIT',
        pick(f['session-credit-limit'], 'TWIN_SESSION_CREDIT_LIMIT'),
        { min: 0, max: 100_000_000 },
      ),
      quoteKey,
      quoteTtlSeconds: 600,
    },
    readOnly,
    tools,
    http: {
      host,
      port,
      token: httpToken,
      allowedHosts: list(pick(f['allowed-hosts'], 'MCP_HTTP_ALLOWED_HOSTS')),
      allowedOrigins: list(pick(f['allowed-origins'], 'MCP_HTTP_ALLOWED_ORIGINS')),
      maxBodyBytes:
        int(
          '--max-body-bytes / MCP_HTTP_MAX_BODY_BYTES',
          pick(f['max-body-bytes'], 'MCP_HTTP_MAX_BODY_BYTES'),
          {
            min: 1024,
            max: 64 * 1024 * 1024,
          },
        ) ?? 1024 * 1024,
      maxSessions:
        int('--max-sessions / MCP_HTTP_MAX_SESSIONS', pick(f['max-sessions'], 'MCP_HTTP_MAX_SESSIONS'), {
          min: 1,
          max: 100_000,
        }) ?? 100,
      sessionIdleSeconds:
        int(
          '--session-idle-seconds / MCP_HTTP_SESSION_IDLE_SECONDS',
          pick(f['session-idle-seconds'], 'MCP_HTTP_SESSION_IDLE_SECONDS'),
          { min: 5, max: 7 * 24 * 3600 },
        ) ?? 1800,
    },
    logLevel: logLevel as LogLevel,
    toolsFormat,
  };
}

export function helpText(version: string): string {
  const rows = SETTINGS.map(
    ([flag, envName, what]) => `  ${(flag || '').padEnd(24)}${envName.padEnd(32)}${what}`,
  );
  return [
    `scene-projects-mcp ${version} — MCP server for the Scene Projects API (story idea → multi-scene video).`,
    '',
    'Usage:',
    '  scene-projects-mcp [options]            serve MCP over stdio (default)',
    '  scene-projects-mcp --http [options]     serve Streamable HTTP at http://HOST:PORT/mcp',
    '  scene-projects-mcp --sandbox            use a local simulated API (no account needed)',
    '  scene-projects-mcp sandbox [--port 4010] [--token T] [--credits 1000] [--time-scale 1]',
    '                                          run the simulated API alone',
    '  scene-projects-mcp tools [--format json|openai|anthropic]',
    '                                          print the tool definitions',
    '',
    'Options (flag, environment variable; flags win over the environment):',
    ...rows,
    `  ${'-h, --help'.padEnd(56)}This text.`,
    `  ${'-v, --version'.padEnd(56)}The version.`,
  ].join('\n');
}
