/**
 * Process logs. Everything goes to stderr: in stdio mode stdout is the JSON-RPC channel.
 * Every line passes through `redact` so that a secret handed to `registerSecret` never appears.
 */
import { redact, registerSecret } from './api/redact.js';
import { cleanText } from './clean-text.js';

/** Longer lines are cut: a log line is for reading, and a huge input must not become a huge log. */
const MAX_LINE = 4000;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Configured secrets (tokens, keys) are registered once and removed from every line; see api/redact.ts. */
export { registerSecret };

/** `text` with every registered secret and any bearer credential replaced. */
export function redactSecrets(text: string): string {
  return redact(text);
}

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
  level: LogLevel;
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const emit = (at: Exclude<LogLevel, 'silent'>, msg: string, data?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[logger.level]) return;
    const extra = data && Object.keys(data).length ? ` ${safeJson(data)}` : '';
    // One clean line whatever the message carries: no control or bidi characters, no forged lines.
    // Redacted before (the cap must not cut a secret into an unrecognisable prefix) and after (removed
    // invisible characters must not join a secret back together).
    const line = cleanText(redactSecrets(`[scene-projects-mcp] ${at}: ${msg}${extra}`), MAX_LINE);
    write(`${redactSecrets(line)}\n`);
  };
  const logger: Logger = {
    level,
    debug: (m, d) => emit('debug', m, d),
    info: (m, d) => emit('info', m, d),
    warn: (m, d) => emit('warn', m, d),
    error: (m, d) => emit('error', m, d),
  };
  return logger;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val) =>
      val instanceof Error ? { name: val.name, message: val.message } : val,
    );
  } catch {
    return '[unserialisable]';
  }
}

export const silentLogger: Logger = createLogger('silent');
