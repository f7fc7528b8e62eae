/**
 * Every setting, declared once: its flag, its environment variable, its type (a zod schema that reads
 * the raw text or a library's typed value), its default and its help. The parser, the validation,
 * `--help` and the README check all read this table. Schema messages say what is wrong without naming
 * the setting: the validation names it (flag and variable, or the library option).
 */
import { z } from 'zod';
import { DEFAULT_BASE_URL } from './api/client.js';
import { expandDir } from './media/folder.js';
import { DEFAULT_SANDBOX_CREDITS } from './sandbox/contract.js';
import { CREDIT_PERIODS } from './store/period.js';
import { parseStoreSpec } from './store/spec.js';
import { READ_ONLY_TOOL_NAMES, TOOL_NAMES } from './tools/index.js';

export interface Setting<S extends z.ZodType = z.ZodType> {
  flag?: `--${string}`;
  short?: string;
  env?: string;
  /** A switch takes no value on the command line (`--http`); its variable says true or false. */
  switch?: true;
  /** The flag may be given more than once; its value is then the list of every one given. */
  multiple?: true;
  schema: S;
  default?: z.input<S>;
  help: string;
  /** Shown in the option list of this command's usage line rather than under Options. */
  command?: 'sandbox' | 'tools';
  /** Never echoed back in a message. */
  secret?: true;
}

/** Keeps each declaration's own types (its schema's output, whether it has a default). */
const setting = <T extends Setting>(s: T): T => s;

const BOOLEAN_WORDS: Record<string, boolean> = { 1: true, true: true, yes: true, on: true };
for (const w of ['0', 'false', 'no', 'off']) BOOLEAN_WORDS[w] = false;

/** Text from a flag or variable is read by `read`; a typed value (a default, a library option) passes as is. */
const fromText = <S extends z.ZodType>(read: (text: string) => unknown, schema: S) =>
  z.preprocess((v) => (typeof v === 'string' ? read(v) : v), schema);

const bool = fromText(
  (v) => BOOLEAN_WORDS[v.trim().toLowerCase()],
  z.boolean({ error: 'must be true or false (1/0, yes/no, on/off)' }),
);

const int = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return fromText(
    (v) => (v.trim() === '' ? Number.NaN : Number(v)),
    z.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
  );
};

const text = z.string().trim();

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  fromText(
    (v) => v.trim().toLowerCase(),
    z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}` }),
  );

/** A comma-separated list, or an array from the library. */
const list = fromText(
  (v) => v.split(','),
  z.array(z.string()).transform((items) => items.map((s) => s.trim()).filter(Boolean)),
);

const toolList = list
  .refine((names) => names.length > 0, 'is empty: name at least one tool, or leave it unset.')
  .check((ctx) => {
    const unknown = ctx.value.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
    if (unknown.length) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `names unknown tools: ${unknown.join(', ')}. Known: ${TOOL_NAMES.join(', ')}.`,
      });
    }
  })
  .transform((names) => names as (typeof TOOL_NAMES)[number][]);

const apiUrl = text
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
  .refine((u) => {
    const parsed = new URL(u);
    return !parsed.username && !parsed.password;
    // The URL appears in messages to the model; credentials belong in TWIN_API_TOKEN.
  }, 'must not carry a user or password: put the token in TWIN_API_TOKEN.')
  .transform((u) => u.replace(/\/+$/, ''));

/** Comma-separated http(s) origins; a URL with a path is reduced to its origin. */
const originList = list.pipe(
  z.array(
    z
      .url({ protocol: /^https?$/, error: 'must list http(s) origins such as https://media.example.com' })
      .transform((u) => new URL(u).origin),
  ),
);

const positive = fromText(
  Number,
  z
    .number({ error: 'must be a positive number' })
    .refine((n) => Number.isFinite(n) && n > 0, 'must be a positive number'),
);

const minLength = (n: number, hint = '') => text.min(n, `must be at least ${n} characters${hint}.`);

/** `memory`, `file` or a redis:// URL, read into a StoreSpec. */
const storeSpec = text.transform((v, ctx) => {
  const spec = parseStoreSpec(v);
  if (!spec) {
    ctx.issues.push({
      code: 'custom',
      input: v,
      message: 'must be memory, file or a redis:// URL (e.g. redis://localhost:6379).',
    });
    return z.NEVER;
  }
  return spec;
});

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export const SETTINGS = {
  sandbox: setting({
    flag: '--sandbox',
    env: 'TWIN_SANDBOX',
    switch: true,
    schema: bool,
    default: false,
    help: 'Run against an in-process sandbox of the API (no account, no real credits).',
  }),
  timeScale: setting({
    flag: '--time-scale',
    schema: positive,
    default: 1,
    help: 'Sandbox speed: 1 = a 5-scene video in ~10 s (default); 10 = ten times faster.',
  }),
  apiToken: setting({
    env: 'TWIN_API_TOKEN',
    schema: text.transform((v) => v || undefined),
    secret: true,
    help: 'Scene Projects API token (Bearer). Environment only, never a flag.',
  }),
  apiUrl: setting({
    flag: '--api-url',
    env: 'TWIN_API_URL',
    schema: apiUrl,
    default: DEFAULT_BASE_URL,
    help: 'API base URL',
  }),
  personId: setting({
    flag: '--person-id',
    env: 'TWIN_PERSON_ID',
    schema: int(1, 2 ** 31),
    help: 'Default person (character) id for create_story.',
  }),
  creditLimit: setting({
    flag: '--credit-limit',
    env: 'TWIN_CREDIT_LIMIT',
    schema: int(0, 100_000_000),
    help: 'Most credits spent per --credit-period, counted in the state store: by every process sharing it, across restarts (default: no limit).',
  }),
  creditPeriod: setting({
    flag: '--credit-period',
    env: 'TWIN_CREDIT_PERIOD',
    schema: oneOf(CREDIT_PERIODS),
    default: 'lifetime',
    help: 'What the credit limit covers, in UTC: day | week | month | lifetime (default lifetime).',
  }),
  store: setting({
    flag: '--store',
    env: 'TWIN_STORE',
    schema: storeSpec,
    secret: true, // a Redis URL may carry a password
    help: 'Where used quotes, credit spends and project locks live: memory | file | redis://HOST:PORT. Default: file (memory with --sandbox).',
  }),
  stateDir: setting({
    flag: '--state-dir',
    env: 'TWIN_STATE_DIR',
    schema: text.min(1, 'must name a directory.'),
    help: 'Directory of the file store (default: the user state directory, e.g. ~/.local/state/scene-projects-mcp).',
  }),
  sessionCreditLimit: setting({
    flag: '--session-credit-limit',
    env: 'TWIN_SESSION_CREDIT_LIMIT',
    schema: int(0, 100_000_000),
    help: 'Most credits one HTTP session may spend.',
  }),
  readOnly: setting({
    flag: '--read-only',
    env: 'TWIN_READ_ONLY',
    switch: true,
    schema: bool,
    default: false,
    help: 'Offer only tools that neither spend nor change anything.',
  }),
  tools: setting({
    flag: '--tools',
    env: 'TWIN_TOOLS',
    schema: toolList,
    help: 'Comma-separated allow-list of tool names.',
  }),
  mediaOrigins: setting({
    flag: '--media-origins',
    env: 'TWIN_MEDIA_ORIGINS',
    schema: originList,
    default: ['https://storage.twin.actor'],
    help: 'Origins the storyboard app may load images and videos from (comma-separated); the API’s own origin is always allowed.',
  }),
  mediaDir: setting({
    flag: '--media-dir',
    env: 'TWIN_MEDIA_DIR',
    schema: text.min(1, 'must name a folder').transform((v) => expandDir(v)),
    help: 'Folder save_video writes into (default: scene-projects in your Videos or Downloads folder). Over HTTP, save_video is offered only when this is set.',
  }),
  quoteKey: setting({
    env: 'TWIN_QUOTE_KEY',
    schema: minLength(32, ' (use e.g. `openssl rand -hex 32`)'),
    secret: true,
    help: 'Secret (>= 32 chars) signing quote tokens; share it between replicas. Default: random.',
  }),
  tenants: setting({
    flag: '--tenants',
    env: 'MCP_HTTP_TENANTS',
    switch: true,
    schema: bool,
    default: false,
    help: 'With --http: serve many people, each with their own access token, API token, limits and projects (see the tenants command).',
  }),
  storeKey: setting({
    env: 'TWIN_STORE_KEY',
    schema: minLength(32, ' (use e.g. `openssl rand -hex 32`)'),
    secret: true,
    help: 'Secret (>= 32 chars) sealing the tenants’ API tokens in the store; required with --tenants and the tenants command.',
  }),
  tenantRate: setting({
    flag: '--tenant-requests-per-minute',
    env: 'MCP_HTTP_TENANT_REQUESTS_PER_MINUTE',
    schema: int(1, 1_000_000),
    default: 600,
    help: 'Most MCP requests one tenant may send per minute to one replica; past it 429',
  }),
  tenantWaits: setting({
    flag: '--tenant-max-waits',
    env: 'MCP_HTTP_TENANT_MAX_WAITS',
    schema: int(1, 100_000),
    default: 20,
    help: 'Most held connections (waits, streams, subscriptions) one tenant may have open on one replica; past it 429',
  }),
  pollIntervalMs: setting({
    flag: '--poll-interval-ms',
    env: 'TWIN_POLL_INTERVAL_MS',
    schema: int(25, 600_000),
    help: 'Poll a followed project’s status at this fixed interval (ms) instead of the adaptive 1–15 s.',
  }),
  logLevel: setting({
    flag: '--log-level',
    env: 'TWIN_LOG_LEVEL',
    schema: oneOf(LOG_LEVELS),
    default: 'info',
    help: 'debug | info | warn | error | silent; logs go to stderr',
  }),
  http: setting({
    flag: '--http',
    env: 'MCP_HTTP',
    switch: true,
    schema: bool,
    default: false,
    help: 'Serve Streamable HTTP at /mcp instead of stdio.',
  }),
  host: setting({
    flag: '--host',
    env: 'MCP_HTTP_HOST',
    schema: text,
    default: '127.0.0.1',
    help: 'HTTP bind address',
  }),
  port: setting({
    flag: '--port',
    env: 'MCP_HTTP_PORT',
    schema: int(0, 65535),
    default: 3333,
    help: 'HTTP port',
  }),
  httpToken: setting({
    flag: '--http-token',
    env: 'MCP_HTTP_TOKEN',
    schema: minLength(16),
    secret: true,
    help: 'Bearer token (16+ characters) HTTP clients must send; required when the host is not loopback.',
  }),
  allowedHosts: setting({
    flag: '--allowed-hosts',
    env: 'MCP_HTTP_ALLOWED_HOSTS',
    schema: list,
    default: [],
    help: 'Extra Host header values to accept (comma-separated).',
  }),
  allowedOrigins: setting({
    flag: '--allowed-origins',
    env: 'MCP_HTTP_ALLOWED_ORIGINS',
    schema: list,
    default: [],
    help: 'Extra Origin values to accept (comma-separated).',
  }),
  maxSessions: setting({
    flag: '--max-sessions',
    env: 'MCP_HTTP_MAX_SESSIONS',
    schema: int(1, 100_000),
    default: 100,
    help: 'Most concurrent 2025-era HTTP sessions',
  }),
  sessionIdleSeconds: setting({
    flag: '--session-idle-seconds',
    env: 'MCP_HTTP_SESSION_IDLE_SECONDS',
    schema: int(5, 7 * 24 * 3600),
    default: 1800,
    help: 'Idle HTTP sessions close after this',
  }),
  maxBodyBytes: setting({
    flag: '--max-body-bytes',
    env: 'MCP_HTTP_MAX_BODY_BYTES',
    schema: int(1024, 64 * 1024 * 1024),
    default: 1024 * 1024,
    help: 'Largest HTTP request body accepted',
  }),
  maxStreams: setting({
    flag: '--max-streams',
    env: 'MCP_HTTP_MAX_STREAMS',
    schema: int(1, 100_000),
    default: 500,
    help: 'Most HTTP requests holding a connection open at once (GET streams, subscriptions/listen, waiting calls)',
  }),
  maxAuthFailures: setting({
    flag: '--max-auth-failures',
    env: 'MCP_HTTP_MAX_AUTH_FAILURES',
    schema: int(1, 10_000),
    default: 10,
    help: 'Wrong bearer tokens one address may send per minute before it is refused (429) for the rest of it',
  }),
  token: setting({
    flag: '--token',
    command: 'sandbox',
    multiple: true,
    schema: fromText((v) => [v], z.array(text.min(1, 'must not be empty'))).refine(
      (tokens) => new Set(tokens).size === tokens.length,
      'names one token twice: each account needs its own.',
    ),
    help: 'A bearer token the sandbox accepts (default: a random one, printed); given more than once, one account per token, each with its own projects and credits.',
  }),
  credits: setting({
    flag: '--credits',
    command: 'sandbox',
    schema: int(0, 10_000_000),
    default: DEFAULT_SANDBOX_CREDITS,
    help: 'Credits the sandbox account starts with',
  }),
  format: setting({
    flag: '--format',
    command: 'tools',
    schema: oneOf(['json', 'openai', 'anthropic']),
    default: 'json',
    help: 'How to print the tool definitions',
  }),
  help: setting({ flag: '--help', short: 'h', switch: true, schema: bool, help: 'This text.' }),
  version: setting({ flag: '--version', short: 'v', switch: true, schema: bool, help: 'The version.' }),
};

export type SettingKey = keyof typeof SETTINGS;

/** Settings as validated: each one's schema output (absent when unset and without a default). */
export type SettingValues = {
  [K in SettingKey]: (typeof SETTINGS)[K] extends { default: unknown }
    ? z.output<(typeof SETTINGS)[K]['schema']>
    : z.output<(typeof SETTINGS)[K]['schema']> | undefined;
};

export { READ_ONLY_TOOL_NAMES, TOOL_NAMES };
