/**
 * Scrubbing secrets out of text. Every secret we know — the API token, values carried in the API
 * URL's query string, and whatever the runtime registers (our own HTTP token, the quote key) — is
 * replaced wherever it appears: in messages, log lines, and the service's own answers, which are
 * scrubbed as they arrive, so a token the service echoes never reaches a result, a resource or a log.
 * Anything that looks like an `Authorization` header or a `Bearer` credential is replaced as well.
 */

export const REDACTED = '[redacted]';

/**
 * Secrets shorter than this are not replaced: a token like `T` would turn "POST" into
 * "POS[redacted]". Such a token is refused at start when the API is not on loopback.
 */
export const MIN_SECRET_LENGTH = 8;

export type Secrets = string | null | undefined | readonly (string | null | undefined)[];

const registered = new Set<string>();

/** Adds a process-wide secret (from configuration); too short ones are ignored (see MIN_SECRET_LENGTH). */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= MIN_SECRET_LENGTH) registered.add(secret);
}

/** The values of a URL's query string (`?key=…`): credentials some gateways take there. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    return [...new URL(url).searchParams.values()].filter((v) => v.length > 0);
  } catch {
    return [];
  }
}

/** The URL as it may be shown: each query value replaced, whatever its length. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.search) return url;
    const names = [...new Set(u.searchParams.keys())];
    const query = names.map((n) => `${encodeURIComponent(n)}=${REDACTED}`).join('&');
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}?${query}`;
  } catch {
    return url;
  }
}

/** Each way a secret can be written into text: as is, URL-encoded, escaped inside a JSON string. */
function spellings(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...out];
}

function known(extra: Secrets): string[] {
  const list = Array.isArray(extra) ? extra : [extra];
  const all = new Set<string>(registered);
  for (const s of list) if (typeof s === 'string' && s.length >= MIN_SECRET_LENGTH) all.add(s);
  // Longest first: a secret that contains another is replaced whole.
  return [...all].sort((a, b) => b.length - a.length);
}

/** Replaces every known secret (registered ones and `extra`) in `text`. */
export function redactSecretValues(text: string, extra?: Secrets): string {
  let out = String(text);
  for (const secret of known(extra)) {
    for (const form of spellings(secret)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s,;'"}\]]+/gi;
const BEARER = /(bearer\s+)(?!\[redacted\])[^\s,;'"}\]]+/gi;

/** Secrets, `Bearer xxx` and `authorization: xxx` in `text` replaced with `[redacted]`. */
export function redact(text: string, extra?: Secrets): string {
  return redactSecretValues(text, extra)
    .replace(
      AUTH_HEADER,
      (_m, head: string, bearer: string | undefined) => `${head}${bearer ?? ''}${REDACTED}`,
    )
    .replace(BEARER, (_m, head: string) => `${head}${REDACTED}`);
}

/**
 * An answer from the service with every known secret removed, as it arrives. JSON that spells a
 * secret with `\u` escapes is read and written back with the secret replaced in every string.
 */
export function redactAnswer(text: string, extra?: Secrets): string {
  const out = redactSecretValues(text, extra);
  if (!out.includes('\\u')) return out;
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    return out;
  }
  const strings = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecretValues(v, extra);
    if (Array.isArray(v)) return v.map(strings);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [redactSecretValues(k, extra), strings(x)]),
      );
    }
    return v;
  };
  const clean = JSON.stringify(strings(json));
  return clean === JSON.stringify(json) ? out : clean;
}

/**
 * A message about to leave the server with every known secret replaced in every string (keys
 * included); the same object when it holds none (one JSON.stringify to find out).
 */
export function redactMessage<T>(message: T, extra?: Secrets): T {
  let json: string | undefined;
  try {
    json = JSON.stringify(message);
  } catch {
    return message; // not serialisable: the transport cannot send it either
  }
  if (json === undefined || redactSecretValues(json, extra) === json) return message;
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecretValues(v, extra);
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactSecretValues(k, extra), clean(x)]));
    }
    return v;
  };
  return clean(message) as T;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Makes upstream text safe to quote: secrets redacted, control characters stripped, whitespace
 * collapsed, truncated to `max` characters.
 */
export function sanitize(text: string, extra?: Secrets, max = 300): string {
  let out = redact(text, extra).replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  if (out.length > max) out = `${out.slice(0, max - 1).trimEnd()}…`;
  return out;
}
