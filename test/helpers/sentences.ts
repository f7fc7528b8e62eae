/**
 * Finds a sentence said twice in one message, word for word or nearly (the same words in another
 * order, or with a project id added): a message should say each thing once.
 */
const words = (s: string): Set<string> =>
  new Set(
    s
      .toLowerCase()
      .replace(/[^a-z\s]/g, ' ')
      .split(/\s+/)
      .filter((w) => w.length > 2),
  );

export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?:])\s+|\n+|\s+—\s+|;\s+/)
    .map((s) => s.trim())
    .filter((s) => words(s).size >= 2);
}

/** Pairs of sentences of `text` whose words overlap by half or more (Jaccard similarity). */
export function repeatedSentences(text: string, threshold = 0.5): [string, string][] {
  const sentences = sentencesOf(text);
  const out: [string, string][] = [];
  for (let i = 0; i < sentences.length; i++) {
    for (let j = i + 1; j < sentences.length; j++) {
      const a = words(sentences[i]!);
      const b = words(sentences[j]!);
      const shared = [...a].filter((w) => b.has(w)).length;
      if (shared / (a.size + b.size - shared) >= threshold) out.push([sentences[i]!, sentences[j]!]);
    }
  }
  return out;
}
