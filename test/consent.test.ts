import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CreditBudget,
  DEFAULT_QUOTE_TTL_MS,
  type HashableScene,
  hashScenes,
  QuoteSigner,
  type QuoteSubject,
  type RedeemResult,
} from '../src/consent/index.js';
import { MemoryStore, usedQuotesOf } from '../src/store/index.js';

const KEY = 'k'.repeat(16) + 'e'.repeat(16); // 32 characters
const OTHER_KEY = 'x'.repeat(40);

const scenes = (): HashableScene[] => [
  {
    scene_number: 1,
    id: 11,
    description: 'A lighthouse at dusk',
    image_prompt: 'wide shot, lighthouse',
    motion_prompt: 'slow push in',
    narration_text: 'It began with a light.',
  },
  {
    scene_number: 2,
    id: 12,
    description: 'Waves crash',
    image_prompt: 'stormy sea',
    motion_prompt: 'pan left',
    narration_text: null,
  },
];

const subject = (over: Partial<QuoteSubject> = {}): QuoteSubject => ({
  action: 'approve_project',
  project_id: 42,
  scenes_hash: hashScenes(scenes()),
  credits: 200,
  params: { video_model: 'kling-2.6-pro', image_model: 'flux-pro' },
  ...over,
});

const regen = (over: Partial<QuoteSubject> = {}): QuoteSubject =>
  subject({
    action: 'regenerate_scene',
    scene_number: 2,
    credits: 100,
    params: { regenerate_image: true, regenerate_video: true, updated_image_prompt: 'calm sea' },
    ...over,
  });

const fakeClock = (start = 1_700_000_000_000) => {
  let t = start;
  const clock = () => t;
  return { clock, advance: (ms: number) => (t += ms) };
};

const failure = (r: RedeemResult) => {
  if (r.ok) throw new Error('expected a failure');
  return r;
};

/** Flip one bit of the base64url text at `index` by decoding, flipping and re-encoding the part. */
const flipBit = (part: string, byte = 0, bit = 0): string => {
  const b = Buffer.from(part, 'base64url');
  b[byte] = b[byte]! ^ (1 << bit);
  return b.toString('base64url');
};

describe('hashScenes', () => {
  it('is stable, hex, and ignores order, field order and unrelated fields', () => {
    const h = hashScenes(scenes());
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashScenes(scenes())).toBe(h);
    expect(hashScenes([...scenes()].reverse())).toBe(h);
    const reordered = scenes().map((s) => ({
      narration_text: s.narration_text,
      motion_prompt: s.motion_prompt,
      image_prompt: s.image_prompt,
      description: s.description,
      id: s.id,
      scene_number: s.scene_number,
      status: 'completed',
      image_url: 'https://x/y.png',
      video_url: null,
      image_status: 'completed',
    }));
    expect(hashScenes(reordered)).toBe(h);
  });

  it('normalises null and undefined', () => {
    const a = scenes();
    const b = scenes();
    delete (b[1] as { narration_text?: string | null }).narration_text;
    expect(hashScenes(b)).toBe(hashScenes(a));
    expect(hashScenes(null)).toBe(hashScenes([]));
    expect(hashScenes(undefined)).toBe(hashScenes([]));
  });

  it('changes on any edit to a generating field', () => {
    const base = hashScenes(scenes());
    const fields = ['description', 'image_prompt', 'motion_prompt', 'narration_text'] as const;
    const seen = new Set([base]);
    for (const i of [0, 1]) {
      for (const f of fields) {
        const s = scenes();
        (s[i] as unknown as Record<string, unknown>)[f] = `${String(s[i]![f] ?? '')}!`;
        const h = hashScenes(s);
        expect(h, `${f} of scene ${i + 1}`).not.toBe(base);
        seen.add(h);
      }
      const s = scenes();
      (s[i] as { id: number }).id = 99;
      seen.add(hashScenes(s));
    }
    const renumbered = scenes();
    (renumbered[1] as { scene_number: number }).scene_number = 3;
    seen.add(hashScenes(renumbered));
    seen.add(hashScenes(scenes().slice(0, 1)));
    // empty string vs null are different content
    const emptied = scenes();
    (emptied[1] as { narration_text: string | null }).narration_text = '';
    seen.add(hashScenes(emptied));
    // moving text between fields must not collide
    const moved = scenes();
    (moved[0] as unknown as Record<string, unknown>).description = null;
    (moved[0] as unknown as Record<string, unknown>).image_prompt = 'A lighthouse at dusk';
    seen.add(hashScenes(moved));
    expect(seen.size).toBe(1 + 8 + 2 + 1 + 1 + 1 + 1);
  });

  it('distinguishes unicode forms and lone surrogates', () => {
    const a = scenes();
    const b = scenes();
    (a[0] as unknown as Record<string, unknown>).description = 'caf\u00e9';
    (b[0] as unknown as Record<string, unknown>).description = 'cafe\u0301';
    expect(hashScenes(a)).not.toBe(hashScenes(b));
    (a[0] as unknown as Record<string, unknown>).description = '\ud800';
    (b[0] as unknown as Record<string, unknown>).description = '\udc00';
    expect(hashScenes(a)).not.toBe(hashScenes(b));
  });
});

describe('QuoteSigner: issue and redeem', () => {
  it('round-trips and returns the sealed quote', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    expect(q.token).toMatch(/^sq1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(q.quote_id).toMatch(/^q_/);
    expect(Date.parse(q.expires_at)).toBeGreaterThan(Date.now());
    expect(q).toMatchObject({ action: 'approve_project', project_id: 42, credits: 200 });
    expect(q.scene_number).toBeUndefined();
    const r = await signer.redeem(q.token, subject());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.quote).toEqual(q);
  });

  it('round-trips a regeneration with a scene number', async () => {
    const signer = new QuoteSigner();
    const q = signer.issue(regen());
    expect(q.scene_number).toBe(2);
    expect((await signer.redeem(q.token, regen())).ok).toBe(true);
  });

  it('canonicalises params: key order and undefined entries do not matter', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject({ params: { video_model: 'v', image_model: 'i', extra: undefined } }));
    expect(Object.keys(q.params)).toEqual(['image_model', 'video_model']);
    expect(
      (await signer.redeem(q.token, subject({ params: { image_model: 'i', video_model: 'v' } }))).ok,
    ).toBe(true);
  });

  it('gives distinct quote ids and tokens for the same subject', () => {
    const signer = new QuoteSigner({ key: KEY });
    const a = signer.issue(subject());
    const b = signer.issue(subject());
    expect(a.quote_id).not.toBe(b.quote_id);
    expect(a.token).not.toBe(b.token);
  });

  it('refuses invalid subjects at issue', async () => {
    const signer = new QuoteSigner({ key: KEY });
    expect(() => signer.issue(subject({ credits: -1 }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ credits: Number.NaN }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ project_id: 0 }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ action: 'upscale' as 'approve_project' }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ params: { x: Number.POSITIVE_INFINITY } }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ params: { x: {} as unknown as string } }))).toThrow(TypeError);
    expect(() => signer.issue(subject({ params: { x: 'y'.repeat(300_000) } }))).toThrow(/too large/);
    // the largest honest regeneration (two 4000-character prompts of escaped characters) fits
    const worst = '\u0001'.repeat(4000);
    const big = signer.issue(
      regen({ params: { updated_image_prompt: worst, updated_motion_prompt: worst } }),
    );
    expect(
      (
        await signer.redeem(
          big.token,
          regen({ params: { updated_image_prompt: worst, updated_motion_prompt: worst } }),
        )
      ).ok,
    ).toBe(true);
  });
});

describe('QuoteSigner: forged and malformed', () => {
  it('refuses a token from another key as forged', async () => {
    const q = new QuoteSigner({ key: OTHER_KEY }).issue(subject());
    const r = failure(await new QuoteSigner({ key: KEY }).redeem(q.token, subject()));
    expect(r.reason).toBe('forged');
    expect(r.message).toMatch(/approve_project again without quote_token/);
  });

  it('refuses a flipped bit anywhere in the payload or MAC as forged', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    const [p, payload, mac] = q.token.split('.') as [string, string, string];
    const payloadBytes = Buffer.from(payload, 'base64url').length;
    for (let byte = 0; byte < payloadBytes; byte += 7) {
      const r = failure(await signer.redeem(`${p}.${flipBit(payload, byte, byte % 8)}.${mac}`, subject()));
      expect(r.reason).toBe('forged');
    }
    for (let byte = 0; byte < 32; byte++) {
      const r = failure(await signer.redeem(`${p}.${payload}.${flipBit(mac, byte, byte % 8)}`, subject()));
      expect(r.reason).toBe('forged');
    }
    // the genuine token still works after all that
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
  });

  it('refuses a payload re-signed with a larger figure (no key) as forged', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject({ credits: 100 }));
    const [p, payload, mac] = q.token.split('.') as [string, string, string];
    const edited = Buffer.from(
      Buffer.from(payload, 'base64url').toString('utf8').replace(',100,', ',900,'),
    ).toString('base64url');
    expect(edited).not.toBe(payload);
    expect(failure(await signer.redeem(`${p}.${edited}.${mac}`, subject({ credits: 900 }))).reason).toBe(
      'forged',
    );
  });

  it('refuses truncated, garbled and foreign strings as malformed, never throwing', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    const [, payload, mac] = q.token.split('.') as [string, string, string];
    const cases: unknown[] = [
      '',
      'sq1',
      'sq1.',
      'sq1..',
      'sq1...',
      q.token.slice(0, -1),
      q.token.slice(0, -5),
      q.token.slice(0, q.token.lastIndexOf('.')),
      `sq2.${payload}.${mac}`,
      `SQ1.${payload}.${mac}`,
      `.${payload}.${mac}`,
      `sq1.${payload}.${mac}.`,
      `sq1.${payload}.${mac}=`,
      `sq1.${payload}=.${mac}`,
      `sq1.${payload}.${mac}A`,
      ` ${q.token}`,
      `${q.token}\n`,
      `sq1.${payload}.${mac.slice(0, -1)}B`, // non-canonical trailing bits
      `sq1.${payload}+.${mac}`,
      'sq1.é.ü',
      'sq1.\u{1F600}.\u{1F600}',
      `sq1.${'A'.repeat(300_000)}.${mac}`,
      'x'.repeat(1_000_000),
      'null',
      null,
      undefined,
      42,
      {},
      [],
      { token: q.token },
    ];
    for (const c of cases) {
      const r = await signer.redeem(c, subject());
      expect(r.ok, JSON.stringify(c)?.slice(0, 60)).toBe(false);
      if (!r.ok) expect(r.reason, JSON.stringify(c)?.slice(0, 60)).toBe('malformed');
    }
  });

  it('fuzz: random strings never throw and never succeed', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    const alphabet = 'sq1.AZaz09-_=+/ \u00e9\u{1F600}\0\ud800';
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const chars = [...alphabet];
    for (let i = 0; i < 2000; i++) {
      let s: string;
      switch (i % 4) {
        case 0:
          s = Array.from({ length: rand(200) }, () => chars[rand(chars.length)]).join('');
          break;
        case 1:
          s = `sq1.${randomBytes(rand(300)).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
          break;
        case 2: {
          // mutate one character of the genuine token
          const at = rand(q.token.length);
          s = q.token.slice(0, at) + chars[rand(chars.length)] + q.token.slice(at + 1);
          if (s === q.token) continue;
          break;
        }
        default:
          s = randomBytes(rand(500)).toString('latin1');
      }
      const r: RedeemResult = await signer.redeem(s, subject()); // rejecting would fail the test
      expect(r.ok).toBe(false);
      expect(['malformed', 'forged']).toContain(r && !r.ok ? r.reason : '');
    }
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
  });

  it('treats an authentic but unreadable payload (key shared with something else) as malformed', async () => {
    const signer = new QuoteSigner({ key: KEY });
    // Build a correctly MACed token around a payload that is not ours, using the same construction.
    const payload = Buffer.from('{"hello":"world"}').toString('base64url');
    const mac = createHmac('sha256', Buffer.from(KEY)).update(`sq1.${payload}`).digest('base64url');
    expect(failure(await signer.redeem(`sq1.${payload}.${mac}`, subject())).reason).toBe('malformed');
  });
});

describe('QuoteSigner: expiry, single use, pruning', () => {
  it('expires after the ttl (default 10 minutes)', async () => {
    const { clock, advance } = fakeClock();
    const signer = new QuoteSigner({ key: KEY, clock });
    expect(signer.ttlMs).toBe(DEFAULT_QUOTE_TTL_MS);
    const q = signer.issue(subject());
    expect(q.expires_at).toBe(new Date(clock() + DEFAULT_QUOTE_TTL_MS).toISOString());
    advance(DEFAULT_QUOTE_TTL_MS - 1);
    const ok = signer.issue(subject());
    advance(1);
    const r = failure(await signer.redeem(q.token, subject()));
    expect(r.reason).toBe('expired');
    expect(r.message).toMatch(/expired at/);
    expect(r.message).toMatch(/without quote_token to get a fresh quote/);
    expect((await signer.redeem(ok.token, subject())).ok).toBe(true);
  });

  it('honours a custom ttl and a broken clock fails closed', async () => {
    const { clock, advance } = fakeClock();
    const signer = new QuoteSigner({ key: KEY, clock, ttlMs: 1000 });
    const q = signer.issue(subject());
    advance(1000);
    expect(failure(await signer.redeem(q.token, subject())).reason).toBe('expired');
    let t = 0;
    const flaky = new QuoteSigner({ key: KEY, clock: () => t });
    const q2 = flaky.issue(subject());
    t = Number.NaN;
    expect(failure(await flaky.redeem(q2.token, subject())).reason).toBe('expired');
  });

  it('redeems a quote once only', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(regen());
    expect((await signer.redeem(q.token, regen())).ok).toBe(true);
    const r = failure(await signer.redeem(q.token, regen()));
    expect(r.reason).toBe('used');
    expect(r.message).toMatch(/already used/);
    expect(r.message).toMatch(/regenerate_scene again without quote_token/);
  });

  it('does not mark a quote used when redeem fails', async () => {
    const { clock, advance } = fakeClock();
    const store = new MemoryStore({ clock });
    const signer = new QuoteSigner({ used: usedQuotesOf(store, 'acct'), key: KEY, clock });
    const q = signer.issue(subject());
    expect(failure(await signer.redeem(q.token, subject({ credits: 300 }))).reason).toBe('mismatch');
    expect(store.quoteCount('acct')).toBe(0);
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
    expect(store.quoteCount('acct')).toBe(1);
    advance(DEFAULT_QUOTE_TTL_MS);
    expect(failure(await signer.redeem(q.token, subject())).reason).toBe('expired');
  });

  it('prunes used ids once they expire', async () => {
    const { clock, advance } = fakeClock();
    const store = new MemoryStore({ clock });
    const signer = new QuoteSigner({ used: usedQuotesOf(store, 'acct'), key: KEY, clock, ttlMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      const q = signer.issue(subject());
      expect((await signer.redeem(q.token, subject())).ok).toBe(true);
      advance(1000);
    }
    expect(store.quoteCount('acct')).toBe(50);
    advance(29_000); // now t=79s: the first 20 (redeemed at t=0..19s, ttl 60s) are past their expiry
    expect(store.quoteCount('acct')).toBe(30);
    advance(60_000);
    expect(store.quoteCount('acct')).toBe(0);
    // still refused after pruning: as expired
    const q = signer.issue(subject());
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
    advance(60_000);
    expect(store.quoteCount('acct')).toBe(0);
    expect(failure(await signer.redeem(q.token, subject())).reason).toBe('expired');
  });
});

describe('QuoteSigner: mismatch on every field', () => {
  const cases: [string, QuoteSubject, QuoteSubject, RegExp][] = [
    ['action', subject(), subject({ action: 'regenerate_scene' }), /quote was for approve_project/],
    ['project', subject(), subject({ project_id: 43 }), /quote was for project 42, not project 43/],
    ['scene', regen(), regen({ scene_number: 3 }), /quote was for scene 2, not scene 3/],
    ['scene removed', regen(), regen({ scene_number: undefined }), /scene 2, not the whole project/],
    ['scene added', subject(), subject({ scene_number: 1 }), /whole project, not scene 1/],
    [
      'scenes',
      subject(),
      subject({ scenes_hash: hashScenes(scenes().slice(1)) }),
      /the scenes changed since the quote/,
    ],
    ['credits', subject(), subject({ credits: 300 }), /quote was for 200 credits .* now costs 300/],
    [
      'param value',
      subject(),
      subject({ params: { video_model: 'veo-3', image_model: 'flux-pro' } }),
      /options changed.*video_model: quoted "kling-2.6-pro", now "veo-3"/,
    ],
    [
      'param added',
      subject(),
      subject({ params: { video_model: 'kling-2.6-pro', image_model: 'flux-pro', upscale: true } }),
      /upscale: quoted unset, now true/,
    ],
    [
      'param removed',
      subject(),
      subject({ params: { video_model: 'kling-2.6-pro' } }),
      /image_model: quoted "flux-pro", now unset/,
    ],
    [
      'param type',
      regen(),
      regen({
        params: { regenerate_image: 'true', regenerate_video: true, updated_image_prompt: 'calm sea' },
      }),
      /regenerate_image/,
    ],
    [
      'prompt',
      regen(),
      regen({
        params: { regenerate_image: true, regenerate_video: true, updated_image_prompt: 'x'.repeat(500) },
      }),
      /updated_image_prompt: quoted "calm sea", now "x+\.\.\./,
    ],
  ];
  for (const [name, quoted, current, re] of cases) {
    it(name, async () => {
      const signer = new QuoteSigner({ key: KEY });
      const q = signer.issue(quoted);
      const r = failure(await signer.redeem(q.token, current));
      expect(r.reason).toBe('mismatch');
      expect(r.message).toMatch(re);
      expect(r.message).toMatch(/again without quote_token to get a fresh quote/);
      expect(r.message.length).toBeLessThan(600);
      // the quote is still good for the call it was made for
      expect((await signer.redeem(q.token, quoted)).ok).toBe(true);
    });
  }

  it('names every differing field at once', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    const r = failure(await signer.redeem(q.token, subject({ project_id: 7, credits: 1, scenes_hash: 'x' })));
    expect(r.message).toMatch(/project 42.*scenes changed.*200 credits/);
  });

  it('never throws on a garbage current subject', async () => {
    const signer = new QuoteSigner({ key: KEY });
    const q = signer.issue(subject());
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    for (const bad of [
      { ...subject(), params: hostile },
      null,
      undefined,
      {},
      { ...subject(), params: null },
      { ...subject(), credits: Number.NaN },
    ]) {
      const r = await signer.redeem(q.token, bad as unknown as QuoteSubject);
      expect(r.ok).toBe(false);
    }
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
  });
});

describe('QuoteSigner: keys', () => {
  it('lets replicas with a shared key redeem each other’s quotes', async () => {
    const a = new QuoteSigner({ key: KEY });
    const b = new QuoteSigner({ key: KEY });
    const q = a.issue(subject());
    expect((await b.redeem(q.token, subject())).ok).toBe(true);
    const bytesKey = randomBytes(32);
    const c = new QuoteSigner({ key: bytesKey });
    const d = new QuoteSigner({ key: new Uint8Array(bytesKey) });
    expect((await d.redeem(c.issue(subject()).token, subject())).ok).toBe(true);
  });

  it('gives each keyless signer its own random key', async () => {
    const q = new QuoteSigner().issue(subject());
    expect(failure(await new QuoteSigner().redeem(q.token, subject())).reason).toBe('forged');
  });

  it('rejects a short key with a clear error', () => {
    expect(() => new QuoteSigner({ key: 'short' })).toThrow(/too short: 5 characters, at least 32/);
    expect(() => new QuoteSigner({ key: 'x'.repeat(31) })).toThrow(/at least 32/);
    expect(() => new QuoteSigner({ key: new Uint8Array(16) })).toThrow(/16 bytes, at least 32/);
    expect(() => new QuoteSigner({ key: '' })).toThrow(/too short/);
    expect(() => new QuoteSigner({ key: 'x'.repeat(32) })).not.toThrow();
  });

  it('copies a byte key so later changes to the caller’s array do not matter', async () => {
    const key = new Uint8Array(randomBytes(32));
    const signer = new QuoteSigner({ key });
    const q = signer.issue(subject());
    key.fill(0);
    expect((await signer.redeem(q.token, subject())).ok).toBe(true);
  });

  it('rejects a bad ttl', () => {
    expect(() => new QuoteSigner({ ttlMs: 0 })).toThrow(RangeError);
    expect(() => new QuoteSigner({ ttlMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('CreditBudget', () => {
  const ok = <T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> => {
    if (!r.ok) throw new Error((r as unknown as { message: string }).message);
    return r as Extract<T, { ok: true }>;
  };
  const spent = async (b: CreditBudget) => (await b.usage()).spent;
  const held = async (b: CreditBudget) => (await b.usage()).held;

  it('is unlimited by default', async () => {
    const b = new CreditBudget();
    expect(b.limit).toBeUndefined();
    expect(await b.remaining()).toBeUndefined();
    expect(await b.check(1e9)).toEqual({ ok: true });
    await ok(await b.reserve(500)).commit();
    expect(await spent(b)).toBe(500);
  });

  it('enforces a limit with a helpful message', async () => {
    const b = new CreditBudget({ limit: 500 });
    expect((await b.check(500)).ok).toBe(true);
    await ok(await b.reserve(400)).commit();
    expect(await spent(b)).toBe(400);
    expect(await b.remaining()).toBe(100);
    const c = await b.check(200);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.message).toMatch(/needs 200 credits/);
      expect(c.message).toMatch(/credit limit is 500/);
      expect(c.message).toMatch(/400 spent/);
      expect(c.message).toMatch(/100 left/);
      expect(c.message).toMatch(/Nothing was spent/);
      expect(c.message).toMatch(/TWIN_CREDIT_LIMIT \/ --credit-limit/);
    }
    expect((await b.check(100)).ok).toBe(true);
    expect((await b.check(0)).ok).toBe(true);
  });

  it('refuses invalid amounts and limits', async () => {
    const b = new CreditBudget({ limit: 10 });
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect((await b.check(bad)).ok).toBe(false);
      expect((await b.reserve(bad)).ok).toBe(false);
    }
    expect((await new CreditBudget().check(-1)).ok).toBe(false);
    expect(() => new CreditBudget({ limit: -1 })).toThrow(RangeError);
    expect(() => new CreditBudget({ limit: Number.NaN })).toThrow(RangeError);
    expect((await new CreditBudget({ limit: 0 }).check(1)).ok).toBe(false);
  });

  it('holds credits so two concurrent calls cannot both pass a limit that fits one', async () => {
    const b = new CreditBudget({ limit: 150 });
    const spend = async () => {
      const r = await b.reserve(100);
      if (!r.ok) return r.message;
      await new Promise((res) => setTimeout(res, 5));
      await r.commit();
      return 'spent';
    };
    const results = await Promise.all([spend(), spend()]);
    expect(results.filter((x) => x === 'spent')).toHaveLength(1);
    expect(results.find((x) => x !== 'spent')).toMatch(/100 more held by calls in progress/);
    expect(await spent(b)).toBe(100);
    expect(await held(b)).toBe(0);
  });

  it('release frees the credits; commit counts them; both settle once', async () => {
    const b = new CreditBudget({ limit: 100 });
    const r = ok(await b.reserve(100));
    expect(await held(b)).toBe(100);
    expect(await b.remaining()).toBe(0);
    expect((await b.reserve(1)).ok).toBe(false);
    expect(await r.release()).toBe(true);
    expect(r.settled).toBe(true);
    expect(await r.release()).toBe(false);
    expect(await r.commit()).toBe(false);
    expect(await held(b)).toBe(0);
    expect(await spent(b)).toBe(0);
    const r2 = ok(await b.reserve(100));
    expect(await r2.commit()).toBe(true);
    expect(await r2.release()).toBe(false);
    expect(await spent(b)).toBe(100);
    expect(await b.remaining()).toBe(0);
  });

  it('commits the actual charge when known, the reserved figure otherwise', async () => {
    const b = new CreditBudget({ limit: 1000 });
    const [a, c, d] = await Promise.all([b.reserve(100), b.reserve(100), b.reserve(100)]);
    await ok(a).commit(10);
    await ok(c).commit(Number.NaN);
    await ok(d).commit(-5);
    expect(await spent(b)).toBe(210);
    expect(await held(b)).toBe(0);
  });

  it('over-spend is recorded and remaining never goes negative', async () => {
    const b = new CreditBudget({ limit: 100 });
    await ok(await b.reserve(100)).commit(150);
    expect(await spent(b)).toBe(150);
    expect(await b.remaining()).toBe(0);
    const c = await b.check(1);
    expect(!c.ok && c.message).toMatch(/0 left/);
    expect((await b.check(0)).ok).toBe(true);
  });

  it('nests: a child reserves on its parent too', async () => {
    const server = new CreditBudget({ limit: 1000 });
    const s1 = server.child(600);
    const s2 = server.child(600, { setting: 'TWIN_SESSION_CREDIT_LIMIT' });
    expect(s1.parent).toBe(server);
    expect(await s1.remaining()).toBe(600);

    const r1 = ok(await s1.reserve(600));
    expect(await held(server)).toBe(600);
    expect(await server.remaining()).toBe(400);
    expect(await s2.remaining()).toBe(400);

    // s2 has room of its own but the server does not
    const f = await s2.reserve(500);
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.message).toMatch(/the credit limit is 1000.*TWIN_CREDIT_LIMIT/);
    expect(await held(s2)).toBe(0);
    expect(await held(server)).toBe(600);

    // s1 is at its own limit though the server has room
    const g = await s1.reserve(1);
    expect(g.ok).toBe(false);
    if (!g.ok) expect(g.message).toMatch(/session credit limit is 600/);

    await r1.commit();
    expect(await spent(s1)).toBe(600);
    expect(await spent(server)).toBe(600);
    expect(await held(server)).toBe(0);

    await ok(await s2.reserve(400)).release();
    expect(await spent(s2)).toBe(0);
    expect(await spent(server)).toBe(600);
    expect(await held(server)).toBe(0);
    const h = await s2.check(500);
    expect(!h.ok && h.message).toMatch(/credit limit is 1000/);
  });

  it('an unlimited child of a limited parent takes the parent’s remaining', async () => {
    const server = new CreditBudget({ limit: 300 });
    const s = server.child();
    expect(s.limit).toBeUndefined();
    expect(await s.remaining()).toBe(300);
    const grand = s.child(1000, { label: 'tool credit limit' });
    const r = ok(await grand.reserve(300));
    expect(await server.remaining()).toBe(0);
    expect((await grand.reserve(1)).ok).toBe(false);
    await r.commit(250);
    expect([await spent(server), await spent(s), await spent(grand)]).toEqual([250, 250, 250]);
    expect(await grand.remaining()).toBe(50);
    expect(await new CreditBudget().child(5).child().remaining()).toBe(5);
  });
});
