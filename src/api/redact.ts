/**
 * Scrubbing secrets out of text. Every string that may end up in an error, a log line or a message
 * to the agent goes through `redact` first: the token itself, and anything that looks like an
 * `Authorization` header or a `Bearer` credential, whatever token it carries.
 */

export const REDACTED = '[redacted]';

const AUTH_HEADER = /(authorization["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s,;'"}\]]+/gi;
const BEARER = /(bearer\s+)(?!\[redacted\])[^\s,;'"}\]]+/gi;

/** Replaces the token, `Bearer xxx` and `authorization: xxx` in `text` with `[redacted]`. */
export function redact(text: string, token?: string | null): string {
  let out = String(text);
  if (token && token.length > 0) {
    out = out.split(token).join(REDACTED);
    const encoded = encodeURIComponent(token);
    if (encoded !== token) out = out.split(encoded).join(REDACTED);
  }
  out = out.replace(
    AUTH_HEADER,
    (_m, head: string, bearer: string | undefined) => `${head}${bearer ?? ''}${REDACTED}`,
  );
  out = out.replace(BEARER, (_m, head: string) => `${head}${REDACTED}`);
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Makes upstream text safe to quote: secrets redacted, control characters stripped, whitespace
 * collapsed, truncated to `max` characters.
 */
export function sanitize(text: string, token?: string | null, max = 300): string {
  let out = redact(text, token).replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  if (out.length > max) out = `${out.slice(0, max - 1).trimEnd()}…`;
  return out;
}
