/** Reading the service's own words out of an error body: `detail` text, field errors, credit figures, a status. */
import { type Secrets, sanitize } from '../redact.js';
import { ErrorBody } from '../schemas.js';
import type { FieldError } from './api-error.js';

export interface ParsedDetail {
  /** Sanitized, short text of `detail` (or `message`), if any. */
  text?: string;
  /** Field errors from a FastAPI-style `detail` list. */
  fields?: FieldError[];
}

const LOC_PREFIXES = new Set(['body', 'query', 'path', 'header']);

export function parseDetail(raw: string, secrets?: Secrets): ParsedDetail {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  const body = ErrorBody.safeParse(json);
  if (!body.success) return {};
  const d = body.data.detail;
  if (typeof d === 'string') return { text: sanitize(d, secrets) };
  if (Array.isArray(d)) {
    const fields = d.slice(0, 20).map((item) => {
      const loc = (item.loc ?? []).map(String);
      const parts = loc.length > 1 && LOC_PREFIXES.has(loc[0]!) ? loc.slice(1) : loc;
      return {
        field: sanitize(parts.join('.') || '(request)', secrets, 80),
        message: sanitize(item.msg, secrets, 200),
      };
    });
    return { fields, text: sanitize(fields.map((f) => `${f.field}: ${f.message}`).join('; '), secrets) };
  }
  if (d && typeof d === 'object') return { text: sanitize(JSON.stringify(d), secrets) };
  if (body.data.message) return { text: sanitize(body.data.message, secrets) };
  if (typeof body.data.error === 'string') return { text: sanitize(body.data.error, secrets) };
  return {};
}

/** "Insufficient credits: 500 required, 320 available" and similar wordings. */
export function parseCredits(
  text: string | undefined,
): { required?: number; available?: number } | undefined {
  if (!text) return undefined;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s.replace(/[,_]/g, '')));
  const required =
    num(/(\d[\d,_]*)\s*(?:credits?\s*)?(?:are\s+|is\s+)?(?:required|needed)/i.exec(text)?.[1]) ??
    num(/(?:required|needed|cost)\s*[:=]?\s*(\d[\d,_]*)/i.exec(text)?.[1]);
  const available =
    num(/(\d[\d,_]*)\s*(?:credits?\s*)?(?:are\s+|is\s+)?(?:available|remaining|left)/i.exec(text)?.[1]) ??
    num(/(?:available|balance|remaining|have)\s*[:=]?\s*(\d[\d,_]*)/i.exec(text)?.[1]);
  if (required === undefined && available === undefined) return undefined;
  const out: { required?: number; available?: number } = {};
  if (required !== undefined && Number.isFinite(required)) out.required = required;
  if (available !== undefined && Number.isFinite(available)) out.available = available;
  return out;
}

const STATE_DETAIL =
  /\b(state|status)\b|not in (?:the )?(?:draft|proposed|completed|failed)|must be (?:completed|proposed|in|finished|done)|\balready\b|not ready|\bstill\b|no longer|has left|not (?:yet )?(?:completed|finished|approved)|only .{0,40}\b(?:draft|proposed|completed|failed)\b|\b(?:generating|creating|upscaling)\b/i;

/** The detail speaks of the project's state (a refusal at the wrong time), not of bad input. */
export const isStateDetail = (text: string | undefined): boolean => !!text && STATE_DETAIL.test(text);

/** A status word the detail names, e.g. "Project is generating" → generating. */
export function statusFromDetail(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m =
    /(?:status|state)\s*(?:is|:|=)?\s*['"]?([a-z_]+)/i.exec(text) ??
    /\b(draft|creating|proposed|generating|completed|failed|upscaling)\b/i.exec(text);
  const s = m?.[1]?.toLowerCase();
  if (!s || ['not', 'the', 'a', 'in', 'must', 'of'].includes(s)) return undefined;
  return s;
}
