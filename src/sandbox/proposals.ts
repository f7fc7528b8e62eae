/**
 * Scene proposals written from the story idea, in the style of the reference's example ("Photorealistic,
 * young entrepreneur coding at a makeshift desk in a garage…", "Every billion-dollar company starts with
 * a single line of code."). Deterministic: a PRNG seeded by the idea and the scene count.
 *
 * One pass over the idea's words finds a subject ("a robot", "two rival bakers"), what the first
 * sentence has it do ("learns to paint the sunrise"), and phrases in story order: actions ("coding in a
 * garage"), goals ("paint the sunrise"), places ("over a quiet city") and things ("the IPO bell").
 * Each scene has a beat (opening, rising, climax, closing) with templates (scene-templates.ts): `{slot}` is filled from the
 * idea, `{singular|plural}` agrees with the subject, and a template whose slot the scene lacks is
 * skipped. Templates that use the scene's own phrase win; no line repeats within a project.
 */
import { hashString, seededRandom } from './random.js';
import {
  beatOf,
  DESCRIPTIONS,
  FALLBACK_THINGS,
  LENSES,
  LIGHTS,
  MOTIONS,
  NARRATIONS,
  SHOTS,
  TIMES,
} from './scene-templates.js';

export interface SceneProposal {
  description: string;
  image_prompt: string;
  motion_prompt: string;
  narration_text: string;
  /** A talking-head scene (use_avatar_first_scene / use_avatar_last_scene). */
  avatar: boolean;
}

const set = (s: string) => new Set(s.trim().split(/\s+/));
const DETERMINERS = set(
  'a an the one two three four five some several many his her their its our this every',
);
/** Determiners a definite subject replaces with "the": "two rival bakers" → "the rival bakers". */
const INDEFINITE = set('a an one two three four five some several many');
const PLURAL = set('two three four five some several many');
const PREPOSITIONS = set('in at on over across inside under beneath near through into around along beyond');
/** Words that end a phrase. */
const BREAKS = set('and but or so from to while as until when where who which that because then after');
const ING_NOUNS = set('thing nothing something everything anything king ring spring string wing morning');
const VERBS = set('found met fell became built won lost ran took made began saw went came left grew flew');
const VERB_STEMS = `learn discover find meet befriend build become travel fight save search try dream start
  escape explore uncover lose win share paint write sing dance fly climb sail race chase follow help rescue
  protect face wake realize decide take make leave enter cross reach hide seek steal join grow rise bring
  teach invent create restore fix solve hunt guard wait work plan change unite heal bake cook compete keep
  trust love fear need hope inherit receive launch ring code design train survive colonize return`;
for (const v of set(VERB_STEMS)) {
  for (const form of [v, `${v}s`, `${v}es`, `${v.replace(/y$/, 'i')}es`, `${v.replace(/e$/, '')}ed`])
    VERBS.add(form);
}

/** A word as written, lower-cased, and whether punctuation follows it (a phrase ends there). */
type Word = { text: string; lc: string; last: boolean };
type Kind = 'act' | 'goal' | 'place' | 'thing';
type Phrase = { kind: Kind; text: string; first: boolean };
type Idea = { subject: string; definite: string; bare: string; plural: boolean; predicate?: string };

const join = (ws: Word[]) => ws.map((w) => w.text).join(' ');
const is = (words: Set<string>, w: Word | undefined) => !!w && words.has(w.lc);
const isAct = (w: Word | undefined) => !!w && /^\p{L}{2,}ing$/u.test(w.lc) && !ING_NOUNS.has(w.lc);

function wordsOf(sentence: string): Word[] {
  const words = sentence.split(/\s+/).map((raw) => {
    const text = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    return { text, lc: text.toLowerCase(), last: /[,;:—]$/.test(raw) };
  });
  return words.filter((w) => w.text);
}

/** An optional determiner and up to four words, ending at a break, a preposition, a verb or punctuation. */
function nounPhrase(ws: Word[], i: number): { words: Word[]; end: number } | undefined {
  const start = is(DETERMINERS, ws[i]) ? i + 1 : i;
  let j = start;
  while (j < ws.length && j - start < 4) {
    const w = ws[j]!;
    if (is(BREAKS, w) || is(PREPOSITIONS, w) || is(DETERMINERS, w)) break;
    if (j > start && is(VERBS, w) && !/'s$/.test(ws[j - 1]!.lc)) break;
    j++;
    if (w.last) break;
  }
  return j === start ? undefined : { words: ws.slice(i, j), end: j };
}

/** Words from `i` up to punctuation or (when `breaks`) a break word, at most `max`. */
function run(ws: Word[], i: number, breaks = true, max = 8): { text: string; end: number } {
  let j = i;
  while (j < ws.length && j - i < max && (j === i || !breaks || !is(BREAKS, ws[j]))) if (ws[j++]!.last) break;
  return { text: join(ws.slice(i, j)), end: j };
}

/** The sentence's phrases from word `i` on, in order, added to `out` unless already there. */
function phrasesOf(ws: Word[], i: number, first: boolean, out: Phrase[]): void {
  while (i < ws.length) {
    const w = ws[i]!;
    const np = is(DETERMINERS, ws[i + 1]) ? nounPhrase(ws, i + 1) : undefined;
    const thing = is(DETERMINERS, w) ? nounPhrase(ws, i) : undefined;
    let found: { kind: Kind; text: string; end: number } | undefined;
    if (isAct(w) && !is(DETERMINERS, ws[i - 1])) found = { kind: 'act', ...run(ws, i) };
    else if (w.lc === 'to' && ws[i + 1] && !np && !isAct(ws[i + 1]))
      found = { kind: 'goal', ...run(ws, i + 1) };
    else if (is(PREPOSITIONS, w) && np)
      found = { kind: 'place', text: `${w.lc} ${join(np.words)}`, end: np.end };
    else if (thing && thing.words.length > 1)
      found = { kind: 'thing', text: join(thing.words), end: thing.end };
    if (found && !out.some((p) => p.text.toLowerCase() === found.text.toLowerCase()))
      out.push({ ...found, first });
    i = found && !/act|goal/.test(found.kind) ? found.end : i + 1;
  }
}

function read(idea: string): Idea & { time?: string; phrases: Phrase[] } {
  const text = idea.normalize('NFC').replace(/[’‘]/g, "'").slice(0, 2000);
  const sentences = text.split(/(?<=[.!?。！？])\s*/).map(wordsOf);
  const first = sentences[0] ?? [];
  const phrases: Phrase[] = [];
  let i = 0;
  let time: string | undefined;
  // "Make a short video about a chef…": the instruction is not the story.
  if (/^(show|make|create|write|tell|imagine)$/.test(first[0]?.lc ?? '')) {
    i = first.findIndex((w, k) => k < 6 && (w.lc === 'about' || w.lc === 'of')) + 1 || 1;
  }
  // "In 2050, humans colonize Mars": a time or place before a comma comes first.
  const lead = is(PREPOSITIONS, first[i]) ? first.slice(i, i + 4).findIndex((w) => w.last) + 1 : 0;
  if (first.slice(i, i + lead).some((w) => /\d/.test(w.text))) time = join(first.slice(i, i + lead));
  const np = nounPhrase(first, i + lead);
  for (const [s, ws] of sentences.entries()) phrasesOf(ws, s === 0 ? (np?.end ?? 0) : 0, s === 0, phrases);
  if (!np || !/\p{Script=Latin}/u.test(join(np.words))) {
    return { subject: 'our hero', definite: 'our hero', bare: 'lone hero', plural: false, time, phrases };
  }
  // "A startup founder's journey": the founder is the subject.
  const owner = np.words.findIndex((w) => /'s$/.test(w.lc));
  const words = owner > 0 ? np.words.slice(0, owner + 1) : np.words;
  if (owner > 0) words[owner] = { ...words[owner]!, text: words[owner]!.text.slice(0, -2) };
  const det = is(DETERMINERS, words[0]) ? words[0]!.lc : undefined;
  const noun = join(det ? words.slice(1) : words);
  const subject = det ? `${det} ${noun}` : noun;
  const plural = det ? PLURAL.has(det) : /[^s']s$/.test(noun);
  const definite = (det ? INDEFINITE.has(det) : !plural && /^\p{Ll}/u.test(noun)) ? `the ${noun}` : subject;
  // What the subject does, up to the first comma: "learns to paint the sunrise over a quiet city".
  let e = np.end;
  if (is(PREPOSITIONS, first[e])) e = nounPhrase(first, e + 1)?.end ?? e;
  const verb = /^(who|that)$/.test(first[e]?.lc ?? '') ? first[e + 1] : first[e];
  const predicate = is(VERBS, verb) ? run(first, e, false, 12).text : undefined;
  const bare = det && PLURAL.has(det) ? subject : noun;
  return { subject, definite, bare, plural, predicate, time, phrases };
}

type Slots = Partial<Record<'S' | 'Sd' | 'time' | 'predicate' | Kind, string>> & { plural: boolean };
/** Slots not every scene has: a template that uses one is the scene's own. */
const OWN = /\{(predicate|act|goal|place)\}/;

/** The template filled in, or undefined when the scene lacks one of its slots. */
function render(template: string, x: Slots): string | undefined {
  let missing = false;
  const out = template.replace(
    /\{(\w+)\}|\{([^|}]*)\|([^}]*)\}/g,
    (_m, slot?: string, sg?: string, pl?: string) => {
      if (!slot) return (x.plural ? pl : sg) ?? '';
      missing ||= x[slot as keyof Slots] === undefined;
      return String(x[slot as keyof Slots]);
    },
  );
  return missing ? undefined : out[0]!.toUpperCase() + out.slice(1);
}

/** The first unused line from the scene's own templates, then from the generic ones, starting at `k`. */
function line(templates: string[], x: Slots, k: number, used: Set<string>): string {
  for (const own of [true, false]) {
    const pool = templates.filter((t) => OWN.test(t) === own);
    for (let n = 0; n < pool.length; n++) {
      const out = render(pool[(k + n) % pool.length]!, x);
      if (out && !used.has(out)) return used.add(out) && out;
    }
  }
  return render(templates.at(-1)!, x) ?? '';
}

const noArticle = (s: string) => s.replace(/^(the|a|an) /i, '');

export function proposeScenes(idea: string, count: number, avatar: { first?: boolean; last?: boolean } = {}) {
  const rng = seededRandom(hashString(`${count}\u0000${idea}`));
  const pick = <T>(items: T[]): T => items[Math.floor(rng() * items.length)]!;
  const story = read(idea);
  const moments = [...story.phrases];
  const take = (i: number) => (i >= 0 ? moments.splice(i, 1)[0] : undefined);
  // The opening takes the first action or place; the climax the first sentence's last action or goal
  // (the "to ringing the IPO bell" of a "from … to …" idea); the rising scenes share the rest in order.
  const opening = story.predicate ? undefined : take(moments.findIndex((p) => /act|place/.test(p.kind)));
  const last = moments.findLastIndex((p) => /act|goal/.test(p.kind) && p.first);
  const climax =
    count < 3 ? undefined : take(last >= 0 ? last : moments.findLastIndex((p) => /act|goal/.test(p.kind)));
  const things = story.phrases.filter((p) => p.kind === 'thing').map((p) => p.text);
  if (!things.length) things.push(...FALLBACK_THINGS);
  const night = /\b(night|midnight|moon|stars|dark)\b/i.test(idea);
  const time = story.time ?? pick(TIMES.filter((t) => /night/.test(t) === night));
  const used = { description: new Set<string>(), narration: new Set<string>(), motion: new Set<string>() };
  const order = Math.floor(rng() * 100);
  let next = 0;
  return Array.from({ length: count }, (_, i): SceneProposal => {
    const beat = beatOf(i, count);
    const moment = beat === 'rising' ? moments[next++] : { opening, climax, closing: undefined }[beat];
    const thing = things[(i + order) % things.length]!;
    const predicate = beat === 'opening' ? story.predicate : undefined;
    const x: Slots = { S: story.subject, Sd: story.definite, plural: story.plural, time, thing, predicate };
    if (moment) x[moment.kind] = moment.text;
    if ((i === 0 && avatar.first) || (i === count - 1 && avatar.last))
      return avatarScene(i === 0, story, thing);
    const doing = x.act ?? (x.goal ? `trying to ${x.goal}` : (x.place ?? ''));
    const frame = [`${story.bare} ${doing}`.trim(), `${noArticle(thing)} in the frame`, SHOTS[beat]];
    return {
      description: line(DESCRIPTIONS[beat], x, i + order, used.description),
      image_prompt: `Photorealistic, ${frame.join(', ')}, ${pick(LIGHTS)}, ${pick(LENSES)}, cinematic, 8K`,
      motion_prompt: line(MOTIONS[beat], x, i + order, used.motion),
      narration_text: line(NARRATIONS[beat], x, i + order + 1, used.narration),
      avatar: false,
    };
  });
}

function avatarScene(first: boolean, story: Idea, thing: string): SceneProposal {
  const about = story.predicate
    ? `${story.subject} who ${story.predicate.replace(/^(who|that) /, '')}`
    : story.subject;
  return {
    description: first
      ? `Talking head: the presenter speaks directly to camera, introducing the story of ${story.subject}`
      : `Talking head: the presenter speaks directly to camera, closing the story of ${story.definite}`,
    image_prompt: `Photorealistic, portrait of the presenter facing the camera, ${noArticle(thing)} softly blurred in the background, 85mm lens, cinematic, 8K`,
    motion_prompt: 'Static medium close-up, subtle natural head movement, lip-sync to the narration',
    narration_text: first
      ? `Let me tell you a story about ${about}.`
      : `And that is the story of ${story.definite}. Thank you for watching.`,
    avatar: true,
  };
}
