/**
 * Sealed credit quotes.
 *
 * A spending tool called without confirmation answers a quote; the spending call must present the
 * quote's token. The token is `sq1.<payload>.<mac>`: a base64url canonical JSON payload and its
 * HMAC-SHA256 under a server key, so the agent can carry it but not alter it. Redeeming checks the
 * MAC, the expiry, that nothing quoted has changed (project, scene, scenes, credits, options), and
 * that the quote was not used before.
 *
 * Single use is kept by the state store (src/store/): processes and replicas sharing a key and a store
 * accept each other's tokens, and each token once across all of them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { MemoryStore } from '../store/memory.js';
import { StoreUnavailableError, type UsedQuotes, usedQuotesOf } from '../store/types.js';

export type QuoteAction = 'approve_project' | 'regenerate_scene';
export type QuoteParamValue = string | number | boolean;
/** Options that shape the spend. `undefined` entries mean "not given" and are dropped; key order is irrelevant. */
export type QuoteParams = Readonly<Record<string, QuoteParamValue | undefined>>;

export interface QuoteSubject {
  action: QuoteAction;
  project_id: number;
  /** Set for `regenerate_scene`; absent for a whole-project action. */
  scene_number?: number;
  scenes_hash: string;
  credits: number;
  params: QuoteParams;
}

export interface Quote {
  action: QuoteAction;
  project_id: number;
  scene_number?: number;
  scenes_hash: string;
  credits: number;
  /** Canonical: keys sorted, `undefined` entries dropped. */
  params: Record<string, QuoteParamValue>;
  quote_id: string;
  /** ISO 8601 instant after which the token is refused. */
  expires_at: string;
  token: string;
}

export type RedeemFailureReason = 'malformed' | 'forged' | 'expired' | 'used' | 'mismatch' | 'store';
export type RedeemResult =
  | { ok: true; quote: Quote }
  | { ok: false; reason: RedeemFailureReason; message: string };

export interface QuoteSignerOptions {
  /** Shared secret (≥ 32 characters or bytes). Omit for a random per-process key. */
  key?: string | Uint8Array;
  /** Lifetime of a quote; default 10 minutes. */
  ttlMs?: number;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
  /** Where used quote ids are kept (the state store); default: this signer's own memory. */
  used?: UsedQuotes;
}

export const QUOTE_TOKEN_PREFIX = 'sq1';
export const DEFAULT_QUOTE_TTL_MS = 10 * 60 * 1000;
export const MIN_QUOTE_KEY_LENGTH = 32;
/**
 * Longer tokens are refused unread. Honest ones are far shorter (params hold at most two
 * 4000-character prompts, ≤ 48 KiB of JSON even if every character is escaped); `issue` enforces it.
 */
export const MAX_QUOTE_TOKEN_LENGTH = 256 * 1024;

const MAC_BYTES = 32;
const B64URL = /^[A-Za-z0-9_-]+$/;
const ACTIONS: readonly string[] = ['approve_project', 'regenerate_scene'];

/** What is sealed, as a fixed-order tuple so the payload has exactly one encoding. */
type SealedTuple = [
  version: 1,
  quote_id: string,
  expires_ms: number,
  action: QuoteAction,
  project_id: number,
  scene_number: number | null,
  scenes_hash: string,
  credits: number,
  params: [string, QuoteParamValue][],
];

const isParamValue = (v: unknown): v is QuoteParamValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** Sorted entries with `undefined` dropped. Non-finite numbers or other types are kept as-is so they mismatch. */
function canonicalEntries(params: QuoteParams | null | undefined): [string, unknown][] {
  if (!params || typeof params !== 'object') return [];
  return Object.keys(params)
    .filter((k) => (params as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => [k, (params as Record<string, unknown>)[k]]);
}

function assertSubject(s: QuoteSubject): void {
  const bad = (msg: string): never => {
    throw new TypeError(`invalid quote subject: ${msg}`);
  };
  if (!s || typeof s !== 'object') bad('not an object');
  if (!ACTIONS.includes(s.action)) bad(`unknown action ${JSON.stringify(s.action)}`);
  if (!Number.isSafeInteger(s.project_id) || s.project_id <= 0) bad('project_id must be a positive integer');
  if (s.scene_number !== undefined && (!Number.isSafeInteger(s.scene_number) || s.scene_number < 0))
    bad('scene_number must be a non-negative integer');
  if (typeof s.scenes_hash !== 'string' || s.scenes_hash.length === 0) bad('scenes_hash must be a string');
  if (!Number.isSafeInteger(s.credits) || s.credits < 0) bad('credits must be a non-negative integer');
  for (const [k, v] of canonicalEntries(s.params)) {
    if (!isParamValue(v)) bad(`params.${k} must be a string, finite number or boolean`);
  }
}

function decodeTuple(json: string): SealedTuple | null {
  let t: unknown;
  try {
    t = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(t) || t.length !== 9 || t[0] !== 1) return null;
  const [, qid, exp, action, project, scene, hash, credits, params] = t as unknown[];
  if (typeof qid !== 'string' || qid.length === 0) return null;
  if (!Number.isSafeInteger(exp)) return null;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) return null;
  if (!Number.isSafeInteger(project)) return null;
  if (scene !== null && !Number.isSafeInteger(scene)) return null;
  if (typeof hash !== 'string') return null;
  if (!Number.isSafeInteger(credits)) return null;
  if (!Array.isArray(params)) return null;
  for (const p of params) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || !isParamValue(p[1])) return null;
  }
  return t as SealedTuple;
}

const noun = (action: QuoteAction): string => (action === 'approve_project' ? 'approval' : 'regeneration');
const freshQuoteHint = (action: QuoteAction): string =>
  `This call spent no credits. Call ${action} again without quote_token to get a fresh quote, show it to the person, and retry with the new quote_token once they agree.`;

export class QuoteSigner {
  readonly ttlMs: number;
  readonly #key: Buffer;
  readonly #clock: () => number;
  /** quote_id → expiry (ms). Pruned once past expiry: an expired token is refused anyway. */
  readonly #used: UsedQuotes;

  constructor(opts: QuoteSignerOptions = {}) {
    const { key, ttlMs = DEFAULT_QUOTE_TTL_MS, clock = Date.now } = opts;
    if (key === undefined) {
      this.#key = randomBytes(32);
    } else if (typeof key === 'string') {
      if (key.length < MIN_QUOTE_KEY_LENGTH)
        throw new Error(
          `quote signing key is too short: ${key.length} characters, at least ${MIN_QUOTE_KEY_LENGTH} are required (e.g. \`openssl rand -hex 32\`), or leave it unset for a random per-process key`,
        );
      this.#key = Buffer.from(key, 'utf8');
    } else if (key instanceof Uint8Array) {
      if (key.byteLength < MIN_QUOTE_KEY_LENGTH)
        throw new Error(
          `quote signing key is too short: ${key.byteLength} bytes, at least ${MIN_QUOTE_KEY_LENGTH} are required`,
        );
      this.#key = Buffer.from(key); // copy: later changes to the caller's array must not change ours
    } else {
      throw new TypeError('quote signing key must be a string or a Uint8Array');
    }
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number');
    if (typeof clock !== 'function') throw new TypeError('clock must be a function');
    this.ttlMs = ttlMs;
    this.#clock = clock;
    this.#used = opts.used ?? usedQuotesOf(new MemoryStore({ clock }), 'local');
  }

  /** Seal a quote for `subject`. Throws `TypeError` on an invalid subject (a programming error). */
  issue(subject: QuoteSubject): Quote {
    assertSubject(subject);
    const now = this.#now();
    if (!Number.isFinite(now)) throw new Error('cannot issue a quote: the clock returned a non-finite time');
    const quoteId = `q_${randomBytes(16).toString('base64url')}`;
    const exp = Math.floor(now + this.ttlMs);
    const params = canonicalEntries(subject.params) as [string, QuoteParamValue][];
    const tuple: SealedTuple = [
      1,
      quoteId,
      exp,
      subject.action,
      subject.project_id,
      subject.scene_number ?? null,
      subject.scenes_hash,
      subject.credits,
      params,
    ];
    const payload = Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
    const token = `${QUOTE_TOKEN_PREFIX}.${payload}.${this.#mac(payload).toString('base64url')}`;
    if (token.length > MAX_QUOTE_TOKEN_LENGTH)
      throw new TypeError(`invalid quote subject: too large to quote (${token.length} characters of token)`);
    return toQuote(tuple, token);
  }

  /**
   * Check `token` against the subject as it stands now and, only if everything holds, mark it used.
   * Never throws, whatever `token` is.
   */
  async redeem(token: unknown, current: QuoteSubject): Promise<RedeemResult> {
    const action: QuoteAction =
      current?.action === 'regenerate_scene' ? 'regenerate_scene' : 'approve_project';
    const hint = freshQuoteHint(action);
    const fail = (reason: RedeemFailureReason, what: string): RedeemResult => ({
      ok: false,
      reason,
      message: `${what} ${hint}`,
    });

    const tuple = this.#open(token);
    if (tuple === 'malformed')
      return fail('malformed', 'The quote_token is not a valid quote token (garbled or cut short).');
    if (tuple === 'forged')
      return fail(
        'forged',
        'The quote_token was not issued by this server (or was altered): it cannot authorise spending.',
      );

    const now = this.#now();
    const [, quoteId, exp] = tuple;
    if (!(now < exp))
      return fail('expired', `The quote ${quoteId} expired at ${new Date(exp).toISOString()}.`);

    let diffs: string[];
    try {
      diffs = mismatches(tuple, current);
    } catch {
      diffs = ['the call could not be compared with the quote']; // fail closed, never throw
    }
    if (diffs.length > 0)
      return fail('mismatch', `The quote no longer matches this call: ${diffs.join('; ')}.`);

    let fresh: boolean;
    try {
      fresh = await this.#used.use(quoteId, exp);
    } catch (err) {
      const what =
        err instanceof StoreUnavailableError ? err.message : `The state store failed: ${String(err)}`;
      return {
        ok: false,
        reason: 'store',
        message: `${what}. Spending is refused until it is back; nothing was spent, and the quote was not used up. Reads still work.`,
      };
    }
    if (!fresh)
      return fail(
        'used',
        `The quote ${quoteId} was already used: each quote pays for one call, and the earlier call may already have started the work (check the project's status first).`,
      );
    return { ok: true, quote: toQuote(tuple, token as string) };
  }

  /**
   * Gives a redeemed quote its single use back: only for a spend the service proved it did not act
   * on (a 429, a refusal that says nothing was done), so the person's consent is not lost with it.
   * Returns false if the quote was not marked used.
   */
  release(quoteId: string): Promise<boolean> {
    return this.#used.release(quoteId).catch(() => false);
  }

  #now(): number {
    const t = this.#clock();
    return typeof t === 'number' && Number.isFinite(t) ? t : Number.POSITIVE_INFINITY; // broken clock: everything expired
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(`${QUOTE_TOKEN_PREFIX}.${payload}`, 'utf8').digest();
  }

  /** Structure, then MAC, then payload. Returns the sealed tuple or why not. */
  #open(token: unknown): SealedTuple | 'malformed' | 'forged' {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_QUOTE_TOKEN_LENGTH)
      return 'malformed';
    const parts = token.split('.');
    if (parts.length !== 3) return 'malformed';
    const [prefix, payload, macText] = parts as [string, string, string];
    if (prefix !== QUOTE_TOKEN_PREFIX || !B64URL.test(payload) || !B64URL.test(macText)) return 'malformed';
    const given = Buffer.from(macText, 'base64url');
    // Exact length and canonical encoding: no trailing bits or padding variants of the same MAC.
    if (given.length !== MAC_BYTES || given.toString('base64url') !== macText) return 'malformed';
    const expected = this.#mac(payload);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
    // Authentic from here: a payload we cannot read means a key shared with something else.
    const raw = Buffer.from(payload, 'base64url');
    if (raw.toString('base64url') !== payload) return 'malformed';
    return decodeTuple(raw.toString('utf8')) ?? 'malformed';
  }
}

function toQuote(t: SealedTuple, token: string): Quote {
  const [, quote_id, exp, action, project_id, scene_number, scenes_hash, credits, params] = t;
  const q: Quote = {
    action,
    project_id,
    scenes_hash,
    credits,
    params: Object.fromEntries(params),
    quote_id,
    expires_at: new Date(exp).toISOString(),
    token,
  };
  if (scene_number !== null) q.scene_number = scene_number;
  return q;
}

const short = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** Human sentences naming each field of `current` that differs from the sealed quote. */
function mismatches(t: SealedTuple, current: QuoteSubject): string[] {
  const [, , , action, project, scene, hash, credits, params] = t;
  const out: string[] = [];
  const c = (current ?? {}) as Partial<QuoteSubject>;
  if (c.action !== action) out.push(`the quote was for ${action}, not ${String(c.action)}`);
  if (c.project_id !== project)
    out.push(`the quote was for project ${project}, not project ${String(c.project_id)}`);
  const curScene = c.scene_number ?? null;
  if (curScene !== scene)
    out.push(
      scene === null
        ? `the quote was for the whole project, not scene ${String(curScene)}`
        : `the quote was for scene ${scene}, not ${curScene === null ? 'the whole project' : `scene ${String(curScene)}`}`,
    );
  if (c.scenes_hash !== hash) out.push('the scenes changed since the quote');
  if (c.credits !== credits)
    out.push(
      `the quote was for ${credits} credits but this ${noun(action)} now costs ${String(c.credits)} credits`,
    );
  const sealed = new Map<string, unknown>(params);
  const now = new Map<string, unknown>(canonicalEntries(c.params));
  const changed = [...new Set([...sealed.keys(), ...now.keys()])]
    .filter((k) => sealed.get(k) !== now.get(k))
    .sort();
  if (changed.length > 0)
    out.push(
      `the options changed since the quote (${changed
        .map(
          (k) =>
            `${k}: quoted ${sealed.has(k) ? short(sealed.get(k)) : 'unset'}, now ${now.has(k) ? short(now.get(k)) : 'unset'}`,
        )
        .join(', ')})`,
    );
  return out;
}
