/**
 * Reading answers as the real service (or a proxy before it) may write them, once, before the
 * schemas: numbers and ids sent as numeric strings become numbers; progress given as a fraction
 * (0–1) becomes a percentage and is clamped to 0–100; a timestamp without a zone is UTC (the
 * machine's own zone never enters); epoch numbers become ISO instants. Nothing else is guessed:
 * a field of the wrong kind still fails the schema, and the answer is reported as unreadable.
 */

const NUMBER_FIELDS = [
  'id',
  'scene_number',
  'num_scenes',
  'person_id',
  'user_id',
  'total_duration_seconds',
  'credits_used',
  'credits_charged',
] as const;

const TIME_FIELDS = ['created_at', 'updated_at'] as const;

const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;
/** An ISO-8601 date and time with no zone: `2026-11-28T10:00:00`, `2026-11-28 10:00:00.123`. */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "42" → 42; anything else unchanged (the schema decides). */
export function toNumber(v: unknown): unknown {
  return typeof v === 'string' && NUMERIC.test(v) ? Number(v) : v;
}

/** A zone-less ISO time read as UTC; epoch seconds or milliseconds as an ISO instant. */
export function toInstant(v: unknown): unknown {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const ms = Math.abs(v) < 1e11 ? v * 1000 : v;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? v : d.toISOString();
  }
  if (typeof v !== 'string') return v;
  const m = ZONELESS.exec(v.trim());
  return m ? `${m[1]}T${m[2]}Z` : v;
}

/**
 * Progress as a percentage 0–100. A value strictly between 0 and 1 is a fraction; so is 1 on a
 * completed project (100 %, not 1 %). Out-of-range values are clamped.
 */
export function toProgress(v: unknown, status: unknown): unknown {
  let p = toNumber(v);
  if (typeof p !== 'number' || !Number.isFinite(p)) return p;
  if ((p > 0 && p < 1) || (p === 1 && status === 'completed')) p *= 100;
  return Math.round(Math.min(100, Math.max(0, p)) * 100) / 100;
}

function normaliseFields(raw: Json): Json {
  const out: Json = { ...raw };
  for (const k of NUMBER_FIELDS) if (k in out) out[k] = toNumber(out[k]);
  for (const k of TIME_FIELDS) if (k in out) out[k] = toInstant(out[k]);
  if ('progress' in out) out.progress = toProgress(out.progress, out.status);
  return out;
}

/** A project, a status answer, an action answer or a scene, normalised as above (scenes included). */
export function normaliseAnswer(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const out = normaliseFields(raw);
  if (Array.isArray(out.scenes)) out.scenes = out.scenes.map((s) => (isRecord(s) ? normaliseFields(s) : s));
  return out;
}
