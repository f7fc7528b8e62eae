/**
 * The sandbox's public contract: what tests, the CLI's `sandbox` mode, the server's `--sandbox`
 * mode, the demo and the benchmarks rely on. The implementation lives beside this file.
 */

/** Where `scene-projects-mcp sandbox` listens unless told otherwise. */
export const DEFAULT_SANDBOX_PORT = 4010;
/** The starting balance of a sandbox account. */
export const DEFAULT_SANDBOX_CREDITS = 1000;

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bearer token the sandbox accepts. Default: a random one. */
  token?: string;
  /** Starting credit balance. Default 1000. */
  credits?: number;
  /** Person ids that exist. Default [1]. */
  personIds?: number[];
  /**
   * Speed of simulated time. 1 (default): a 5-scene generation takes about 10 s.
   * 100: a hundred times faster. Tests use a large value or `clock`.
   */
  timeScale?: number;
  /** Source of "now" in ms; tests may pass a controllable clock. Default Date.now. */
  clock?: () => number;
  /** Seconds a story spends in `creating` before `proposed`; 0 (default) answers `proposed` at once. */
  creatingSeconds?: number;
  /**
   * Several accounts, each a token with its own projects and ledger (the first is the primary one:
   * `token`, `ledger()`, `setCredits()` of the sandbox are its). Unset: one account from `token`
   * and `credits`. An account's unset `credits` and `personIds` come from the options above.
   */
  accounts?: SandboxAccountOptions[];
}

export interface SandboxAccountOptions {
  /** Default: a random one. */
  token?: string;
  credits?: number;
  personIds?: number[];
}

/** One account of the sandbox, as tests see it. */
export interface SandboxAccount {
  readonly token: string;
  ledger(): Ledger;
  setCredits(balance: number): void;
}

export type FaultKind =
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  /** Destroys the socket. `when: 'before'` = before the request is handled (nothing happened);
   *  `'after'` = the request is fully handled (credits may be charged), then the answer is lost;
   *  `'midway'` = the answer's headers and the first half of its body are sent, then the connection drops. */
  | { kind: 'reset'; when: 'before' | 'after' | 'midway' }
  /** Handles the request, then never answers (the client's timeout fires). */
  | { kind: 'hang'; when: 'before' | 'after' };

export interface FaultRule {
  fault: FaultKind;
  /** Only requests whose method matches (e.g. 'POST'). */
  method?: string;
  /** Only requests whose path (without query) matches, e.g. /\/approve$/. */
  path?: RegExp;
  /** Apply to the next `count` matching requests, then the rule retires. */
  count?: number;
  /** Or apply to each matching request with this probability (0–1), until cleared. */
  rate?: number;
}

export interface LedgerEntry {
  at: string;
  project_id: number;
  kind: 'approve' | 'regenerate' | 'upscale';
  credits: number;
  scene_number?: number;
}

export interface Ledger {
  balance: number;
  spent: number;
  entries: LedgerEntry[];
}

export interface RequestRecord {
  method: string;
  path: string;
  /** Status sent; 0 when no answer reached the client (reset, hang, client gone). */
  status: number;
  /** Sandbox clock (ms) when the request finished. */
  at: number;
  /** The injected fault this request met, if any (added: optional). */
  fault?: FaultKind['kind'];
  /** The request's Range header, if any (a resumed download). */
  range?: string;
}

export interface Sandbox {
  /** API base URL, e.g. http://127.0.0.1:4010/api/v1 — what the client's baseUrl takes. */
  readonly url: string;
  /** http://host:port */
  readonly origin: string;
  /** The primary (first) account's token. */
  readonly token: string;
  readonly port: number;
  /** Every account, the primary first. */
  readonly accounts: readonly SandboxAccount[];
  /** The primary account's ledger. */
  ledger(): Ledger;
  /** Every request handled, oldest first (bounded to the last 10 000). */
  requests(): RequestRecord[];
  /** Adds a fault rule; returns a function that removes it. */
  injectFault(rule: FaultRule): () => void;
  clearFaults(): void;
  /** The project's current or next generation fails (status `failed`, `error` set). */
  failProject(projectId: number): void;
  /** Merges extra fields into a stored project (e.g. an unknown status or field) for pass-through tests. */
  patchProject(projectId: number, fields: Record<string, unknown>): void;
  /** Sets the primary account's balance. */
  setCredits(balance: number): void;
  close(): Promise<void>;
}
