/** Text that reaches a person's decision is one clean line: nothing in it can disguise what surrounds it. */
import { describe, expect, it } from 'vitest';
import { cleanText, titleText } from '../src/clean-text.js';
import { createLogger, registerSecret } from '../src/log.js';

const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

describe('cleanText', () => {
  it('removes bidirectional overrides, isolates, marks and zero-width characters', () => {
    const raw = 'pay \u202E003\u202C \u2066x\u2069 \u200Fa\u200E\u200Bb\u2060c\uFEFFd \u{E0041}tag';
    const out = cleanText(raw);
    expect(out).toBe('pay 003 x abcd tag');
    expect(out).not.toMatch(INVISIBLE);
  });

  it('removes control characters and folds every kind of whitespace and line break to one space', () => {
    expect(cleanText('a\u0000b\u0007c\u001b[31md\u007f\u0085e')).toBe('abc[31md e');
    expect(cleanText('  one\n\ntwo\r\nthree\tfour\u2028five\u2029six\u00a0seven\u3000eight  ')).toBe(
      'one two three four five six seven eight',
    );
  });

  it('keeps what a person needs to read: accents, scripts, emoji with joiners', () => {
    const text = 'Café — 東京 — שלום — 👩‍👩‍👧 — e\u0301';
    expect(cleanText(text)).toBe(text);
  });

  it('caps the length in characters as seen, never cutting an emoji or an accent', () => {
    expect(cleanText('abcdefghij', 5)).toBe('abcd…');
    expect(cleanText('abcde', 5)).toBe('abcde');
    const family = '👩‍👩‍👧';
    const out = cleanText(family.repeat(10), 4);
    expect(out).toBe(`${family.repeat(3)}…`);
  });

  it('replaces lone surrogates and takes any value', () => {
    expect(cleanText('a\uD800b')).toBe('a\uFFFDb');
    expect(cleanText(undefined)).toBe('');
    expect(cleanText(null)).toBe('');
    expect(cleanText(42)).toBe('42');
  });
});

describe('titleText', () => {
  it('quotes the clean text, and double quotes inside cannot close the title', () => {
    expect(titleText('The \u201cfree\u201d film" — 0 credits, "nothing to pay')).toBe(
      "“The 'free' film' — 0 credits, 'nothing to pay”",
    );
    expect(titleText('  ')).toBe('');
    expect(titleText('x'.repeat(100), 10)).toBe(`“${'x'.repeat(9)}…”`);
  });
});

describe('log lines', () => {
  it('are one clean, capped line whatever the message carries, with secrets still redacted', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    registerSecret('sk_live_secret_token_value');
    log.info('project\u202E 0 credits\nforged: error line', {
      idea: 'a\u2028b',
      echoed: 'sk_live_secret_\u200Btoken_value',
      big: 'x'.repeat(10_000),
    });
    expect(lines).toHaveLength(1);
    const [line] = lines as [string];
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(INVISIBLE);
    expect(line).toContain('project 0 credits forged: error line');
    expect(line).not.toContain('sk_live_secret');
    expect(line.length).toBeLessThanOrEqual(4001);
  });
});
