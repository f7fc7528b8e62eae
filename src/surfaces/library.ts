/**
 * The tools as a library, for applications that run their own agent loop (OpenAI, Anthropic, Vercel
 * AI SDK, …): the same definitions and handlers as the MCP server, the same spend gate, with the
 * application's `confirmSpend` callback as the way to ask the person.
 */

import { setMaxListeners } from 'node:events';
import { SceneProjectsClient } from '../api/client.js';
import type { SceneProjectsApi } from '../api/contract.js';
import { urlSecrets } from '../api/redact.js';
import type { ProjectStatusResponse } from '../api/schemas.js';
import { merge, readEnv, validate } from '../config.js';
import { CreditBudget, QuoteSigner } from '../consent/index.js';
import { accountKey, withProjectLock } from '../consent/project-lock.js';
import { registerSecret } from '../log.js';
import type { ImageBlock } from '../media/scene-images.js';
import { errorText } from '../server.js';
import type { SettingKey } from '../settings.js';
import { MemoryStore } from '../store/memory.js';
import { usedQuotesOf } from '../store/types.js';
import type {
  ConsentChannel,
  QuoteView,
  ResourceLink,
  ToolAnnotations,
  ToolContext,
  ToolDef,
  ToolEffect,
} from '../tools/define.js';
import { ToolInputError } from '../tools/errors.js';
import { selectTools, type ToolName } from '../tools/index.js';
import { withoutNulls } from '../tools/json-schema.js';
import { type PollIntervals, PollingFollower, type WaitForProjectOptions } from './poll.js';
import { type JsonSchemaObject, type ToolDescriptions, toolJsonSchemas } from './schemas.js';

export type LogLevel = 'debug' | 'info' | 'warning';

export interface SceneToolsOptions {
  /** A ready client (or a test double). When given, token/baseUrl are ignored and close() leaves it open. */
  api?: SceneProjectsApi;
  /** Scene Projects API token. Default: the TWIN_API_TOKEN environment variable. */
  token?: string;
  /** API base URL. Default: TWIN_API_URL, else https://api.twin.actor/api/v1. */
  baseUrl?: string;
  /** Default person (character) id for create_story and list_projects. */
  personId?: number;
  /**
   * Asked before any credit is spent, with the exact figure. Resolve true only when the person agreed.
   * Without it, approve_project and regenerate_scene refuse and spend nothing.
   */
  confirmSpend?: (quote: QuoteView) => Promise<boolean>;
  /** Most credits these tools may spend in their lifetime. Default: no limit. */
  creditLimit?: number;
  /** Offer only the tools that neither spend nor change anything. */
  readOnly?: boolean;
  /** Allow-list of tool names. */
  tools?: readonly ToolName[];
  /** Events worth showing (quote issued, consent given, generation started…). */
  onLog?: (level: LogLevel, message: string, data?: Record<string, unknown>) => void;
  /**
   * Folder save_video writes into. save_video is offered only when this is given: an application may
   * run far from the person's disk.
   */
  mediaDir?: string;
  /** How often waitForProject and get_status `wait_seconds` poll. */
  pollIntervals?: PollIntervals;
}

export interface SceneToolResult {
  /** True when the call failed or was refused; `text` then says why and what to do. */
  isError: boolean;
  /** What to show the model. */
  text: string;
  /** The tool's structured output (matches outputSchema); absent when the call failed before producing one. */
  structured?: Record<string, unknown>;
  links?: ResourceLink[];
  /** Scene images (get_project include_images), each with a label naming the scene. */
  images?: ImageBlock[];
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  /** Progress of long calls (`total` 100 when a percentage). */
  onProgress?: (progress: number, total: number | undefined, message: string) => void;
}

export interface SceneTool {
  name: ToolName;
  title: string;
  description: string;
  effect: ToolEffect;
  /** JSON Schema of the arguments (what a model should send). */
  inputSchema: JsonSchemaObject;
  /** JSON Schema of `structured`. */
  outputSchema: JsonSchemaObject;
  annotations: ToolAnnotations;
  /** Validates `args`, runs the tool, and resolves with its result. Never rejects. */
  execute(args: unknown, opts?: ExecuteOptions): Promise<SceneToolResult>;
}

export interface SceneTools extends ToolDescriptions {
  readonly tools: readonly SceneTool[];
  get(name: string): SceneTool | undefined;
  /** Runs a tool by name; an unknown name resolves with an error result. Never rejects. */
  execute(name: string, args: unknown, opts?: ExecuteOptions): Promise<SceneToolResult>;
  /**
   * Follows a generation to `completed` or `failed` without agent turns, and resolves with the final
   * status. Rejects with WaitTimeoutError on timeout, with the signal's reason on abort, or with the
   * API error when the project cannot be read (e.g. not found).
   */
  waitForProject(projectId: number, opts?: WaitForProjectOptions): Promise<ProjectStatusResponse>;
  /** Aborts calls in flight and closes the HTTP client this created. */
  close(): Promise<void>;
}

const safe =
  <A extends unknown[]>(fn: ((...a: A) => void) | undefined) =>
  (...a: A) => {
    try {
      fn?.(...a);
    } catch {
      // A listener's bug must not break a tool call.
    }
  };

/**
 * The tools' own signal joined with a caller's. Not AbortSignal.any: on Node 20 its sources keep
 * every composite for good, so an application passing one long-lived signal to every call would
 * grow without bound. Here nothing stays attached once `done()` has run.
 */
function joined(
  own: AbortSignal,
  theirs: AbortSignal | undefined,
): { signal: AbortSignal; done: () => void } {
  if (!theirs) return { signal: own, done: () => {} };
  const c = new AbortController();
  const onOwn = () => c.abort(own.reason);
  const onTheirs = () => c.abort(theirs.reason);
  const done = () => {
    own.removeEventListener('abort', onOwn);
    theirs.removeEventListener('abort', onTheirs);
  };
  if (own.aborted) onOwn();
  else if (theirs.aborted) onTheirs();
  else {
    own.addEventListener('abort', onOwn, { once: true });
    theirs.addEventListener('abort', onTheirs, { once: true });
  }
  return { signal: c.signal, done };
}

/** The library's options in messages: by their own names, with the variable read when one is absent. */
const OPTION_NAMES: Partial<Record<SettingKey, string>> = {
  apiToken: 'the token option / TWIN_API_TOKEN',
  apiUrl: 'the baseUrl option / TWIN_API_URL',
};
const optionLabel = (key: SettingKey) => OPTION_NAMES[key] ?? `the ${key} option`;

/** The options through the same validation as the server's flags; throws a ConfigError naming the option. */
function validated(options: SceneToolsOptions) {
  const { apiUrl, apiToken, personId, creditLimit, readOnly, tools, mediaDir } = options.api
    ? { ...options, apiUrl: undefined, apiToken: undefined }
    : { ...options, apiUrl: options.baseUrl, apiToken: options.token };
  const env = options.api ? {} : readEnv(process.env, ['apiUrl', 'apiToken']);
  const given = { apiUrl, apiToken, personId, creditLimit, readOnly, tools, mediaDir };
  return validate(merge(env, given), { label: optionLabel });
}

type Settings = ReturnType<typeof validated>;
type OnLog = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

/** The HTTP client this creates when the application gave none; its secrets are registered first. */
function ownClient(settings: Settings, onLog: OnLog): SceneProjectsClient {
  registerSecret(settings.apiToken);
  for (const secret of urlSecrets(settings.apiUrl)) registerSecret(secret);
  return new SceneProjectsClient({
    baseUrl: settings.apiUrl,
    token: settings.apiToken,
    logger: {
      debug: (m, d) => onLog('debug', m, d),
      info: (m, d) => onLog('info', m, d),
      warn: (m, d) => onLog('warning', m, d),
    },
  });
}

/** What every call of these tools shares. */
interface Scope {
  client: SceneProjectsApi;
  settings: Settings;
  consent: ConsentChannel;
  signer: QuoteSigner;
  budget: CreditBudget;
  follower: PollingFollower;
  locks: MemoryStore;
  account: string;
  closing: AbortController;
  onLog: OnLog;
}

function contextFor(scope: Scope, def: ToolDef, signal: AbortSignal, opts: ExecuteOptions): ToolContext {
  const { locks, account, onLog } = scope;
  const progress = safe(opts.onProgress);
  return {
    api: scope.client,
    defaults: { personId: scope.settings.personId },
    signal,
    consent: scope.consent,
    signer: scope.signer,
    budget: scope.budget,
    follower: scope.follower,
    mediaDir: scope.settings.mediaDir,
    lockProject: (projectId, fn, what) => withProjectLock(locks, account, projectId, fn, { signal, what }),
    async progress(p, total, message) {
      progress(p, total, message);
    },
    log: (level, message, data) => onLog(level, message, { tool: def.name, ...data }),
  };
}

async function runTool(
  scope: Scope,
  def: ToolDef,
  args: unknown,
  opts: ExecuteOptions = {},
): Promise<SceneToolResult> {
  let release = () => {};
  try {
    if (scope.closing.signal.aborted) throw new ToolInputError('These scene tools were closed.');
    const parsed = def.input.parse(args ?? {});
    const { signal, done } = joined(scope.closing.signal, opts.signal);
    release = done;
    const outcome = await def.handler(parsed, contextFor(scope, def, signal, opts));
    if ('ask' in outcome) {
      // Only an MCP client that can elicit gets this; here the callback or refusal decides. Defensive.
      return { isError: true, text: `${outcome.ask.message} (This application cannot ask the person.)` };
    }
    return {
      isError: outcome.isError === true,
      text: outcome.text,
      structured: withoutNulls(outcome.structured as Record<string, unknown>),
      ...(outcome.links?.length ? { links: outcome.links } : {}),
      ...(outcome.images?.length ? { images: outcome.images } : {}),
    };
  } catch (err) {
    scope.onLog('debug', `${def.name} failed`, { error: err instanceof Error ? err.message : String(err) });
    return { isError: true, text: errorText(err) };
  } finally {
    release();
  }
}

export function createSceneTools(options: SceneToolsOptions = {}): SceneTools {
  const settings = validated(options);
  const onLog = safe(options.onLog);
  const owned = options.api ? undefined : ownClient(settings, onLog);
  const client = options.api ?? owned!;

  // One store in this process's memory for every money fact: used quotes, credits, project locks.
  const locks = new MemoryStore();
  const account = accountKey(options.token ?? process.env.TWIN_API_TOKEN);
  const closing = new AbortController();
  // Every call in flight listens to it: many concurrent calls are normal, not a leak.
  setMaxListeners(0, closing.signal);
  const follower = new PollingFollower(client, options.pollIntervals);
  const scope: Scope = {
    client,
    settings,
    consent: options.confirmSpend ? { kind: 'callback', confirm: options.confirmSpend } : { kind: 'none' },
    signer: new QuoteSigner({ used: usedQuotesOf(locks, account) }),
    budget: new CreditBudget({
      store: locks,
      account,
      limit: settings.creditLimit,
      label: 'credit limit',
      setting: 'the creditLimit option of createSceneTools',
    }),
    follower,
    locks,
    account,
    closing,
    onLog,
  };
  const defs = selectTools({ ...settings, localFiles: settings.mediaDir !== undefined });
  const run = (def: ToolDef, args: unknown, opts?: ExecuteOptions) => runTool(scope, def, args, opts);

  const tools: SceneTool[] = defs.map((def) => ({
    name: def.name as ToolName,
    title: def.title,
    description: def.description,
    effect: def.effect,
    ...toolJsonSchemas(def),
    annotations: { ...def.annotations },
    execute: (args, opts) => run(def, args, opts),
  }));
  const byName = new Map(tools.map((t) => [t.name as string, t]));

  return {
    tools,
    get: (name) => byName.get(name),
    async execute(name, args, opts) {
      const tool = byName.get(name);
      if (!tool) {
        return {
          isError: true,
          text: errorText(
            new ToolInputError(`Unknown tool "${name}". Available: ${tools.map((t) => t.name).join(', ')}.`),
          ),
        };
      }
      return tool.execute(args, opts);
    },
    waitForProject(projectId, opts = {}) {
      const { signal, done } = joined(closing.signal, opts.signal);
      return follower.waitForProject(projectId, { ...opts, signal }).finally(done);
    },
    async close() {
      if (!closing.signal.aborted) closing.abort(new Error('scene tools closed'));
      await owned?.close();
    },
  };
}
