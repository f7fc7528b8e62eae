/**
 * The shape of the validated configuration, apart from config.ts (which reads the tool definitions
 * to check names): the runtime and the layers below it read a Config without importing what is above them.
 */
import type { LogLevel } from './log.js';

export type Mode = 'stdio' | 'http' | 'sandbox' | 'tools' | 'preview' | 'doctor' | 'help' | 'version';
export type Command = 'sandbox' | 'tools' | 'preview' | 'doctor';

export interface Config {
  mode: Mode;
  api: { url: string; token?: string; personId?: number };
  sandbox: { enabled: boolean; port: number; token?: string; credits: number; timeScale: number };
  consent: { creditLimit?: number; sessionCreditLimit?: number; quoteKey?: string; quoteTtlSeconds: number };
  readOnly: boolean;
  /** `memory` or a redis:// URL (see store/open.ts). */
  store: string;
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
  };
  logLevel: LogLevel;
  toolsFormat: 'json' | 'openai' | 'anthropic';
}
