/**
 * The shape of the validated configuration, apart from config.ts (which reads the tool definitions
 * to check names): the runtime and the layers below it read a Config without importing what is above them.
 */
import type { LogLevel } from './log.js';

/** Credit periods, counted in UTC (src/store/period.ts works them out). */
export const CREDIT_PERIODS = ['day', 'week', 'month', 'lifetime'] as const;
export type CreditPeriod = (typeof CREDIT_PERIODS)[number];

/** Where money state lives (src/store/): `dir` absent means the user's state directory. */
export type StoreSpec = { kind: 'memory' } | { kind: 'file'; dir?: string } | { kind: 'redis'; url: string };

export type Mode =
  | 'stdio'
  | 'http'
  | 'sandbox'
  | 'tools'
  | 'preview'
  | 'doctor'
  | 'budget'
  | 'tenants'
  | 'help'
  | 'version';
export type Command = 'sandbox' | 'tools' | 'preview' | 'doctor' | 'budget' | 'tenants';

export interface Config {
  mode: Mode;
  api: { url: string; token?: string; personId?: number };
  /** `tokens`: the sandbox command's accounts, one per token (unset: one, with a random token). */
  sandbox: { enabled: boolean; port: number; tokens?: string[]; credits: number; timeScale: number };
  consent: {
    creditLimit?: number;
    creditPeriod: CreditPeriod;
    sessionCreditLimit?: number;
    quoteKey?: string;
    quoteTtlSeconds: number;
  };
  /** Where money state lives (src/store/); `chosen` false when defaulted rather than set. */
  store: StoreSpec & { chosen: boolean };
  readOnly: boolean;
  /**
   * A hosted server for many people (`--http --tenants`), and the `tenants` command (`args`: its
   * sub-command and name). `storeKey` seals each person's API token in the store.
   */
  tenants: {
    enabled: boolean;
    args: string[];
    storeKey?: string;
    requestsPerMinute: number;
    maxWaits: number;
  };
  /** A fixed status poll interval for followed projects, instead of the adaptive one. */
  pollIntervalMs?: number;
  /** Names of tool definitions (validated against them); unset: all. */
  tools?: string[];
  /** Where save_video writes; unset: the platform's default folder, and over HTTP no save_video. */
  media: { dir?: string };
  /** The storyboard MCP App. */
  app: { mediaOrigins: string[] };
  http: {
    host: string;
    port: number;
    token?: string;
    allowedHosts: string[];
    allowedOrigins: string[];
    maxBodyBytes: number;
    maxSessions: number;
    sessionIdleSeconds: number;
    maxStreams: number;
    maxAuthFailures: number;
  };
  logLevel: LogLevel;
  toolsFormat: 'json' | 'openai' | 'anthropic';
}
