/**
 * Process-wide state shared by every connection and request: configuration, the upstream client,
 * the quote signer, the server's credit budget, the live-project watcher. Server instances are
 * cheap and per connection (stdio, 2025 HTTP sessions) or per request (2026 HTTP); this is not.
 */
import type { SceneProjectsApi } from './api/contract.js';
import { urlSecrets } from './api/redact.js';
import type { Config } from './config-shape.js';
import { CreditBudget, QuoteSigner } from './consent/index.js';
import { accountKey, type LockStore } from './consent/project-lock.js';
import { SpendSettler, settlingApi } from './consent/settle.js';
import type { ProjectFollower } from './live/follower.js';
import { createLiveLayer, type LiveLayer } from './live/live.js';
import { storePollShare } from './live/shared-polling.js';
import { sandboxTiming, type WatcherTiming } from './live/timing.js';
import { createLogger, type Logger, registerSecret } from './log.js';
import type { Sandbox } from './sandbox/contract.js';
import { openStore, storeSecrets } from './store/open.js';
import { type StateStore, usedQuotesOf } from './store/types.js';
import { VERSION } from './version.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  api: SceneProjectsApi;
  signer: QuoteSigner;
  budget: CreditBudget;
  /** Where every money fact lives: used quotes, credits reserved and spent, project locks. */
  store: StateStore;
  /** Per-project locks: a confirmed spend and the edits of its project never interleave. */
  locks: LockStore;
  /** The upstream account every lock key carries (a hash of the token, never the token). */
  account: string;
  follower?: ProjectFollower;
  /** The live layer (the shared watcher, and the hooks transports call); absent on hand-made runtimes. */
  live?: LiveLayer;
  sandbox?: Sandbox;
  version: string;
  close(): Promise<void>;
}

/** What lives as long as one client connection (stdio, or a 2025-era HTTP session). */
export interface SessionState {
  id: string;
  budget: CreditBudget;
  /** URIs this connection subscribed to with resources/subscribe (2025 era). */
  subscriptions: Set<string>;
}

export interface RuntimeOverrides {
  api?: SceneProjectsApi;
  logger?: Logger;
  sandbox?: Sandbox;
  follower?: ProjectFollower;
  clock?: () => number;
  /** Per-project locks (default: the state store's). */
  locks?: LockStore;
  /** The state store (default: the one `config.store` names). */
  store?: StateStore;
  /** Poll intervals of the project watcher (tests use short ones). */
  watch?: Partial<WatcherTiming>;
  /** The account money facts are keyed by (default: a hash of the API token); a tenant's own. */
  account?: string;
  /** A budget this runtime's spends also count against (a tenant's: the server-wide limit). */
  parentBudget?: CreditBudget;
  /** How a refusal says the limit is raised (default: TWIN_CREDIT_LIMIT / --credit-limit). */
  limitSetting?: string;
  /** `o.store` belongs to the caller: closing this runtime leaves it open. */
  sharedStore?: boolean;
}

export { VERSION } from './version.js';

/** Builds the runtime; with `config.sandbox.enabled` it starts an in-process sandbox first (loaded lazily). */
export async function createRuntime(config: Config, o: RuntimeOverrides = {}): Promise<Runtime> {
  const logger = o.logger ?? createLogger(config.logLevel);
  registerSecret(config.api.token);
  for (const secret of urlSecrets(config.api.url)) registerSecret(secret);
  registerSecret(config.http.token);
  registerSecret(config.consent.quoteKey);
  registerSecret(config.tenants.storeKey);
  if (config.store.kind === 'redis')
    for (const secret of storeSecrets(config.store.url)) registerSecret(secret);

  let sandbox = o.sandbox;
  let apiConfig = config.api;
  const closers: Array<() => Promise<void>> = [];
  if (!o.api && config.sandbox.enabled && !sandbox) {
    const { startSandbox } = await import('./sandbox/index.js');
    const started = await startSandbox({
      credits: config.sandbox.credits,
      timeScale: config.sandbox.timeScale,
    });
    closers.push(() => started.close());
    logger.info(`sandbox mode: simulated API at ${started.url} (no real credits are spent)`);
    sandbox = started;
  }
  if (sandbox) {
    registerSecret(sandbox.token);
    apiConfig = { ...config.api, url: sandbox.url, token: sandbox.token, personId: config.api.personId ?? 1 };
  }

  let api = o.api;
  if (!api) {
    const { SceneProjectsClient } = await import('./api/client.js');
    const client = new SceneProjectsClient({ baseUrl: apiConfig.url, token: apiConfig.token, logger });
    closers.unshift(() => client.close());
    api = client;
  }

  const { store, signer, budget, account } = await moneyState(config, apiConfig.token, o, logger);
  if (!o.sharedStore) closers.push(() => store.close());
  api = settlingApi(
    api,
    new SpendSettler(store, account, { clock: o.clock, log: (m, d) => logger.info(m, d) }),
  );

  const fixed = config.pollIntervalMs;
  const timing = sandboxTiming(config.sandbox, {
    ...(fixed && { minIntervalMs: fixed, maxIntervalMs: fixed, progressCapMs: fixed }),
    ...o.watch,
  });
  const share = storePollShare(store, account, logger);
  const live = createLiveLayer({ api, logger, timing, share });
  closers.unshift(async () => live.close());
  const rt: Runtime = {
    config: { ...config, api: apiConfig },
    logger,
    api,
    signer,
    budget,
    store,
    locks: o.locks ?? store,
    account,
    follower: o.follower ?? live.watcher,
    live,
    sandbox,
    version: VERSION,
    async close() {
      for (const c of closers) await c().catch(() => {});
    },
  };
  return rt;
}

/** The state store and what keeps money facts in it: the quote signer and the credit budget. */
async function moneyState(config: Config, token: string | undefined, o: RuntimeOverrides, logger: Logger) {
  // An embedding that brings its own API or sandbox (the tests) keeps to memory unless it chose a store.
  const embedded = (o.api || o.sandbox) && !config.store.chosen;
  const store =
    o.store ??
    (await openStore(embedded ? { kind: 'memory' } : config.store, {
      clock: o.clock,
      onError: (m) => logger.warn(m),
    }));
  const account = o.account ?? accountKey(token);
  const signer = new QuoteSigner({
    key: config.consent.quoteKey ?? (await storedKey(store, logger)),
    ttlMs: config.consent.quoteTtlSeconds * 1000,
    clock: o.clock,
    used: usedQuotesOf(store, account),
  });
  const budget = new CreditBudget(
    {
      limit: config.consent.creditLimit,
      label: 'credit limit',
      store,
      account,
      period: config.consent.creditPeriod,
      ...(o.limitSetting && { setting: o.limitSetting }),
    },
    o.parentBudget,
  );
  return { store, signer, budget, account };
}

/**
 * The store's quote-signing key, so a quote made by one process is confirmed through the next. If
 * the store cannot give one, a per-process key (quotes then last as long as this process).
 */
async function storedKey(store: StateStore, logger: Logger): Promise<Uint8Array | undefined> {
  if (!store.signingKey) return undefined;
  try {
    return await store.signingKey();
  } catch (err) {
    logger.warn('no stored quote-signing key; quotes will be valid in this process only', {
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}
