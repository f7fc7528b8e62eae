/**
 * Scene proposals written from the story idea. Deterministic (a PRNG seeded by the idea and the
 * scene count) so tests and demos can rely on the text, yet varied enough to read like the
 * reference's example: an opening, rising beats, a climax and a closing, each reusing the idea's words.
 */

export interface SceneProposal {
  description: string;
  image_prompt: string;
  motion_prompt: string;
  narration_text: string;
  /** A talking-head scene (use_avatar_first_scene / use_avatar_last_scene). */
  avatar: boolean;
}

type Beat = 'opening' | 'rising' | 'climax' | 'closing';

const STOPWORDS = new Set(
  (
    'a an the and or but of to in on at by for from with into onto over under about after before ' +
    'as is are was were be been being it its this that these those there their they them he she his ' +
    'her him we our you your my me i who whom which what when where why how all any each every some ' +
    'such than then too very can will just not no nor only own same so also more most other show shows ' +
    'make makes create tell tells depict video story scene scenes about while through during up down out ' +
    'off again further once here both few has have had having do does did doing would should could'
  ).split(' '),
);

const ARTICLES = new Set(['a', 'an', 'the', 'his', 'her', 'their', 'its', 'our', 'my']);

const FALLBACK_NOUNS = [
  'the people involved',
  'the setting',
  'the journey',
  'every small detail',
  'the horizon',
];

/** FNV-1a: a stable 32-bit hash so the same idea always seeds the same choices. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny seeded PRNG; Math.random would make proposals differ run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

function subjectOf(idea: string): string {
  const first = idea.trim().split(/(?<=[.!?])\s+/)[0] ?? idea;
  const words = first
    .replace(/\s+/g, ' ')
    .replace(/[.!?,;:]+$/, '')
    .split(' ');
  const clipped = words.slice(0, 14).join(' ');
  // Articles at the start are lowered so the phrase reads naturally mid-sentence.
  return /^(A|An|The|One|This|My|Our)\b/.test(clipped)
    ? clipped[0]!.toLowerCase() + clipped.slice(1)
    : clipped;
}

interface Word {
  text: string;
  stop: boolean;
  /** Punctuation or a sentence boundary follows: a phrase must not run across it. */
  breakAfter: boolean;
}

function wordsOf(idea: string): Word[] {
  const words: Word[] = [];
  const re = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
  for (const m of idea.matchAll(re)) {
    let text = m[0].replace(/['’-]+$/u, '');
    const before = idea.slice(0, m.index).trimEnd();
    const sentenceStart = before === '' || /[.!?]$/.test(before);
    // A capital only because the sentence starts here is not a proper noun; acronyms stay as written.
    if (sentenceStart && text !== text.toUpperCase()) text = text.toLowerCase();
    const after = idea.slice(m.index + m[0].length);
    words.push({
      text,
      stop: STOPWORDS.has(text.toLowerCase()) || text.length < 3,
      breakAfter: /^['’-]*\s*[^\s\p{L}\p{N}'’]/u.test(after),
    });
  }
  return words;
}

/**
 * Noun-ish phrases: runs of content words ("startup founder's journey", "IPO bell"), given an
 * article when they read as common nouns, so templates can say "the garage" or "NASDAQ".
 */
function phrasesOf(idea: string): string[] {
  const runs: string[][] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length > 0) runs.push(run.slice(-3));
    run = [];
  };
  const words = wordsOf(idea);
  words.forEach((word, i) => {
    const next = words[i + 1];
    // "keeper befriends a whale", "Curie discovers radium": a mid-phrase -s word is likely a verb.
    const verbLike =
      run.length > 0 &&
      !word.breakAfter &&
      /[^s'’]s$/.test(word.text) &&
      next !== undefined &&
      (!next.stop || ARTICLES.has(next.text.toLowerCase()));
    if (word.stop || verbLike) flush();
    else if (!(run.length === 0 && /ing$/i.test(word.text) && next && !next.stop && !word.breakAfter)) {
      // A leading "-ing" word ("working late nights") is dropped; the nouns after it carry the phrase.
      run.push(word.text);
    }
    if (word.breakAfter) flush();
  });
  flush();
  const seen = new Set<string>();
  const phrases: string[] = [];
  for (const words of runs) {
    // A lone "-ing" word is usually a verb ("ringing"); as a subject it reads badly.
    if (words.length === 1 && /ing$/i.test(words[0]!) && runs.length > 2) continue;
    const phrase = words.join(' ');
    const key = phrase.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const first = words[0]!;
    const proper = /^\p{Lu}/u.test(first) && (words.length === 1 || first !== first.toUpperCase());
    phrases.push(proper ? phrase : `the ${phrase}`);
  }
  return phrases;
}

const LIGHTING: Record<Beat, readonly string[]> = {
  opening: ['soft dawn light', 'dim moody lighting', 'early morning haze'],
  rising: ['natural daylight', 'warm afternoon light', 'bright practical lights'],
  climax: ['high-contrast dramatic lighting', 'intense spotlight and deep shadows', 'stormy backlight'],
  closing: ['golden hour glow', 'warm sunset light', 'gentle evening light'],
};
const LENSES = [
  '35mm lens',
  'shallow depth of field',
  'anamorphic lens flare',
  'wide-angle lens',
  '50mm lens',
];
const TEXTURES = ['rich textures', 'detailed environment', 'atmospheric haze', 'subtle film grain'];

function beatOf(index: number, count: number): Beat {
  if (index === 0) return 'opening';
  if (index === count - 1) return 'closing';
  if (count >= 3 && index === count - 2) return 'climax';
  return 'rising';
}

function storyScene(beat: Beat, subject: string, a: string, b: string, rng: () => number): SceneProposal {
  const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
  const description = {
    opening: [
      `Opening scene: ${a} comes into view as the story begins`,
      `It all begins with ${a}: a quiet first look at ${subject}`,
    ],
    rising: [
      `Rising action: ${a} takes shape, and ${b} raises the stakes`,
      `A turning point: ${a} meets ${b} as the story gathers pace`,
      `Momentum builds around ${a}, with ${b} close behind`,
    ],
    climax: [
      `The climax: everything hinges on ${a} as ${b} reaches its peak`,
      `The decisive moment: ${a} and ${b} collide at full intensity`,
    ],
    closing: [
      `Closing scene: the story comes full circle, ${a} in a final lingering view`,
      `The ending: calm settles over ${a} as the story draws to a close`,
    ],
  }[beat];
  const visual = {
    opening: `establishing shot of ${a}, ${b} in the background`,
    rising: `${a} in motion, ${b} in the frame`,
    climax: `dramatic close view of ${a}, ${b} at its peak`,
    closing: `wide final shot of ${a}, ${b} in soft focus`,
  }[beat];
  const motion = {
    opening: [
      `Slow push-in towards ${a}, gentle parallax, dust drifting in the light`,
      `Slow aerial descent revealing ${a}, soft camera sway`,
    ],
    rising: [
      `Pan across ${a}, then zoom into ${b}`,
      `Tracking shot following ${a}, handheld energy`,
      `Dolly left past ${a} to reveal ${b}`,
    ],
    climax: [
      `Fast push-in on ${a}, quick rack focus to ${b}, rising camera shake`,
      `Low-angle orbit around ${a}, accelerating movement`,
    ],
    closing: [
      `Slow pull-back from ${a} to a wide shot, gentle fade out`,
      `Crane up and away from ${a}, lingering on the horizon`,
    ],
  }[beat];
  const narration = {
    opening: [
      `Every story starts somewhere. This one begins with ${a}.`,
      `It started quietly, with ${a} and a dream that would not let go.`,
    ],
    rising: [
      `Step by step, ${a} turned into something bigger, and ${b} changed everything.`,
      `There were highs and lows, but ${a} kept moving forward.`,
      `With ${b} came new challenges, and new reasons to keep going.`,
    ],
    climax: [
      `Then came the moment everything had been building to: ${a}.`,
      `All of it led here, to ${a}, where nothing could be held back.`,
    ],
    closing: [`In the end, ${a} was worth every step.`, `And so ${a} became part of a story worth telling.`],
  }[beat];
  return {
    description: cap(pick(rng, description)),
    image_prompt: `Photorealistic, ${visual}, ${pick(rng, LIGHTING[beat])}, ${pick(rng, TEXTURES)}, ${pick(rng, LENSES)}, cinematic, 8K`,
    motion_prompt: pick(rng, motion),
    narration_text: cap(pick(rng, narration)),
    avatar: false,
  };
}

function avatarScene(beat: Beat, subject: string, a: string, rng: () => number): SceneProposal {
  const first = beat === 'opening';
  return {
    description: `Talking head: the presenter speaks directly to camera, ${first ? 'introducing' : 'closing'} ${subject}`,
    image_prompt: `Photorealistic, portrait of the presenter facing the camera, ${a} softly blurred in the background, ${pick(rng, LIGHTING[beat])}, 85mm lens, cinematic, 8K`,
    motion_prompt: 'Static medium close-up, subtle natural head movement, lip-sync to the narration',
    narration_text: first
      ? `Let me tell you a story: ${subject}.`
      : `And that is the story: ${subject}. Thank you for watching.`,
    avatar: true,
  };
}

export function proposeScenes(
  idea: string,
  count: number,
  avatar: { first?: boolean; last?: boolean } = {},
): SceneProposal[] {
  const rng = seededRandom(hashString(`${count}\u0000${idea}`));
  const subject = subjectOf(idea);
  const words = phrasesOf(idea);
  const scenes: SceneProposal[] = [];
  for (let i = 0; i < count; i++) {
    const beat = beatOf(i, count);
    // Keywords are spread in story order, so early words land in early scenes.
    const at = Math.floor((i * words.length) / count);
    const a = words[at] ?? pick(rng, FALLBACK_NOUNS);
    let b = words[Math.min(words.length - 1, at + 1)] ?? pick(rng, FALLBACK_NOUNS);
    if (b === a) b = pick(rng, FALLBACK_NOUNS);
    const talking = (i === 0 && avatar.first) || (i === count - 1 && avatar.last);
    scenes.push(talking ? avatarScene(beat, subject, a, rng) : storyScene(beat, subject, a, b, rng));
  }
  return scenes;
}
