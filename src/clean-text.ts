/**
 * Text from the person, the model or the service, made fit to show where a person reads and decides:
 * a consent question, a quote summary, a resource title, a log line. Such text must not be able to
 * disguise what surrounds it: a right-to-left override can make "0 credits" read where "300" stands,
 * a line break can start a paragraph that looks like ours, a closing quote can end the title early.
 */

/**
 * Control characters (C0, C1, DEL) and format characters: bidirectional overrides, embeddings,
 * isolates and marks, zero-width spaces, the byte-order mark, tag characters. The zero-width joiner
 * stays (emoji sequences need it; it moves nothing). Lone surrogates are replaced, not kept.
 */
const INVISIBLE = /(?!\u200d)[\p{Cc}\p{Cf}]/gu;
const LONE_SURROGATE = /\p{Cs}/gu;
/** Whitespace and line breaks (NEL included); the byte-order mark, which \s counts, is removed instead. */
const SPACE = /(?:(?!\ufeff)[\s\u0085])+/gu;
const QUOTES = /["\u201c\u201d\u201e\u201f\u00ab\u00bb\u301d\u301e\u301f\uff02]/g;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` characters as a person sees them (grapheme clusters, so no emoji or accent is cut). */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    if (out.length === max)
      return `${out
        .slice(0, Math.max(0, max - 1))
        .join('')
        .trimEnd()}…`;
    out.push(segment);
  }
  return text;
}

/**
 * One line of plain text: control and format characters removed, every run of whitespace (line
 * breaks and Unicode separators included) folded to one space, trimmed, at most `max` characters.
 */
export function cleanText(text: unknown, max = 200): string {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  const one = s
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(SPACE, ' ')
    .replace(INVISIBLE, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return cap(one, max);
}

/**
 * `cleanText` quoted as a title: “…”, with any double quotes inside turned into single ones so the
 * text cannot close the title and go on as if it were ours. Empty text gives an empty string.
 */
export function titleText(text: unknown, max = 80): string {
  const t = cleanText(text, max).replace(QUOTES, "'");
  return t ? `“${t}”` : '';
}
