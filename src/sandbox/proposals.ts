/**
 * Scene proposals written from the story idea, in the style of the reference's example ("Late night
 * in a cramped garage, a determined founder writes the first lines of code").
 *
 * Deterministic (a PRNG seeded by the idea and the scene count), dependency-free and cheap. A small
 * hand-written parser reads the idea's first sentence for a subject ("a robot", "two rival bakers")
 * and, when it has one, the predicate the idea gives it ("learns to paint the sunrise over a quiet
 * city"); it then collects the idea's other phrases in story order, typed as actions ("coding in a
 * garage"), goals ("paint the sunrise"), places ("over a quiet city") and things ("the IPO bell").
 * Templates per story beat (opening, rising, turning point, climax, closing) declare which kinds of
 * phrase they accept, so a slot that needs a clause never receives a noun phrase, and verbs in the
 * templates agree with a plural subject.
 */

export interface SceneProposal {
  description: string;
  image_prompt: string;
  motion_prompt: string;
  narration_text: string;
  /** A talking-head scene (use_avatar_first_scene / use_avatar_last_scene). */
  avatar: boolean;
}

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

function cap(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const words = (s: string): Set<string> => new Set(s.split(' '));

// ---------------------------------------------------------------------------------------------
// Word classes
// ---------------------------------------------------------------------------------------------

const INDEFINITE = words('a an one some another any');
const NUMBERS = words('two three four five six seven eight nine ten twelve several many few');
const POSSESSIVE_PRONOUNS = words('his her their its my our your');
const DETERMINERS = new Set([
  ...INDEFINITE,
  ...NUMBERS,
  ...POSSESSIVE_PRONOUNS,
  ...words('the this that these those every each no all both'),
]);
const PRONOUNS = words(
  "he she they it we i you him them us me who whom whose which that what someone everyone something everything nothing it's that's there here",
);
/** Prepositions that attach inside a phrase ("a cup of coffee", "coding in a garage"). */
const MINOR_PREPS = words(
  'of in at on with by for near inside under beneath behind beside above below among within without aboard atop outside underneath',
);
/** Words that end one phrase and start the next. */
const MAJOR_MARKERS = words(
  'and but or yet so from to into onto over across through toward towards around along while as until till then after before when where because though although during between beyond against despite via like than if once',
);
/** Prepositions whose object is a place. */
const SPATIAL = words(
  'in at on over across inside under beneath beyond near around along through into onto above atop aboard outside underneath behind beside among',
);
const AUX = words(
  "is are was were be been am has have had can could will would shall should must may might do does did can't won't don't doesn't didn't isn't aren't wasn't weren't cannot",
);
const OTHER_STOP = words(
  'not no nor only just very too also even still ever never again really then there here up down out off away back how why what about',
);
/** Words an instruction starts with ("Show the highs…", "Make a video about…"); not part of the story. */
const INSTRUCTIONS = words('show make create write tell produce generate imagine picture depict film render');
const MEDIUM = words('video film story movie clip tale animation short piece scene scenes montage');
/** Common story verbs in their base form; -s, -es, -ed and a few irregular forms are derived. */
const VERB_BASES = (
  'learn discover find meet befriend build become travel journey fall return fight save search try want ' +
  'dream go come run open start escape explore uncover lose win share paint write sing dance fly climb ' +
  'sail race chase follow help rescue protect defend face confront battle struggle wake awaken realize ' +
  'decide attempt set take make turn leave enter cross reach arrive hide seek steal break join form ' +
  'grow rise bring teach invent create restore repair fix solve hunt track guard watch wait work ' +
  'plan spend change transform unite reunite fall rediscover remember forget heal bake cook serve ' +
  'compete challenge betray trust love hate fear need hope discover inherit receive get give keep ' +
  'start launch ring code design train prepare survive navigate investigate stumble embark venture ' +
  'dare refuse must'
).split(' ');
const IRREGULAR_VERBS = words(
  'found met fell became built won lost ran took made began begun saw went came left fought sought taught knew ' +
    'grew flew drew wrote stole broke rose gave got kept sang swam woke spent brought caught thought told held ' +
    'stood understood hid',
);
const BASE_VERBS = new Set(VERB_BASES);
const VERBS = new Set<string>(IRREGULAR_VERBS);
for (const v of VERB_BASES) {
  VERBS.add(v);
  VERBS.add(/(s|sh|ch|x|z|o)$/.test(v) ? `${v}es` : /[^aeiou]y$/.test(v) ? `${v.slice(0, -1)}ies` : `${v}s`);
  VERBS.add(v.endsWith('e') ? `${v}d` : /[^aeiou]y$/.test(v) ? `${v.slice(0, -1)}ied` : `${v}ed`);
}
/** Words that, straight after a noun, mark that noun as a verb ("keeper befriends a whale"). */
const VERB_FOLLOWERS = new Set([
  ...INDEFINITE,
  ...POSSESSIVE_PRONOUNS,
  ...words('the this these those every each they he she it we him them us me her himself herself themselves'),
]);
/** -ing words that are nouns, not actions. */
const ING_NOUNS = words(
  'thing something nothing everything anything king ring spring string wing morning evening ceiling earring ' +
    'wedding pudding offspring sibling darling duckling ceiling beginning ending ' +
    'clearing meaning setting wedding ping sing bring swing sling sting',
);

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

interface Tok {
  /** As it should be written mid-sentence (possessive "'s" stripped). */
  w: string;
  lw: string;
  /** A possessive ("founder's"). */
  poss: boolean;
  /** Punctuation follows: a phrase must not run across it. */
  br: boolean;
  /** A comma follows (kept when a clause is written back out). */
  comma: boolean;
  /** The token ends its sentence. */
  end: boolean;
}

const isStop = (lw: string): boolean =>
  DETERMINERS.has(lw) ||
  PRONOUNS.has(lw) ||
  MINOR_PREPS.has(lw) ||
  MAJOR_MARKERS.has(lw) ||
  AUX.has(lw) ||
  OTHER_STOP.has(lw);

/** Sentences of tokens. Quotes, emoji and other symbols are dropped; letters of any script are kept. */
function tokenize(idea: string): Tok[][] {
  const text = idea.normalize('NFC').replace(/[’‘]/g, "'").slice(0, 2000);
  const raw: Array<{ w: string; start: number; end: number }> = [];
  for (const m of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}\p{M}'-]*/gu)) {
    const w = m[0].replace(/['-]+$/u, '');
    raw.push({ w, start: m.index, end: m.index + m[0].length });
  }
  // A word also written capitalised mid-sentence is a name ("Paris"), even at a sentence start.
  const names = new Set<string>();
  raw.forEach((r, i) => {
    const before = i === 0 ? '' : text.slice(raw[i - 1]!.end, r.start);
    if (i > 0 && !/[.!?。！？]/.test(before) && /^\p{Lu}/u.test(r.w)) names.add(r.w);
  });
  const sentences: Tok[][] = [];
  let current: Tok[] = [];
  raw.forEach((r, i) => {
    const gapBefore = i === 0 ? '' : text.slice(raw[i - 1]!.end, r.start);
    const gapAfter = text.slice(r.end, raw[i + 1]?.start ?? text.length);
    const sentenceStart = i === 0 || /[.!?。！？]/.test(gapBefore);
    let w = r.w;
    let poss = false;
    if (/'s$/i.test(w) && !PRONOUNS.has(w.toLowerCase())) {
      w = w.slice(0, -2);
      poss = true;
    } else if (/s'$/i.test(r.w)) poss = true;
    w = w.replace(/'+$/, '');
    if (!w) return;
    const lw = w.toLowerCase();
    const next = raw[i + 1]?.w ?? '';
    const acronym = w.length > 1 && w === w.toUpperCase() && /\p{Lu}/u.test(w);
    // A capital only because the sentence starts here is not a proper noun.
    if (sentenceStart && !acronym && !names.has(w) && (isStop(lw) || !/^\p{Lu}/u.test(next))) w = lw;
    const end = /[.!?。！？]/.test(gapAfter) || i === raw.length - 1;
    current.push({
      w,
      lw,
      poss,
      br: /[^\s\p{L}\p{N}'"“”«»()[\]*_~`]/u.test(
        gapAfter.replace(/\p{Extended_Pictographic}|\uFE0F|\u200D/gu, ''),
      ),
      comma: /^\s*[,;:–—]/.test(gapAfter),
      end,
    });
    if (end) {
      sentences.push(current);
      current = [];
    }
  });
  if (current.length > 0) sentences.push(current);
  return sentences;
}

const isGerund = (t: Tok | undefined): boolean =>
  t !== undefined && t.lw.length > 4 && t.lw.endsWith('ing') && !ING_NOUNS.has(t.lw) && !isStop(t.lw);

/** A finite or base verb at position i: from the lexicon, or a noun-run word followed by an object. */
function isVerb(toks: Tok[], i: number): boolean {
  const t = toks[i];
  if (!t) return false;
  const prev = toks[i - 1];
  if (prev && DETERMINERS.has(prev.lw) && !prev.br) return false;
  if (prev?.poss) return false;
  if (AUX.has(t.lw)) return true;
  if (isStop(t.lw) || t.poss || /^\p{Lu}/u.test(t.w) || t.lw.endsWith('ing')) return false;
  const next = toks[i + 1];
  if (VERBS.has(t.lw)) {
    // Inside a run of nouns a base form needs more evidence: "two bakers share a …", "a dog cross the
    // desert", but not "a crazy dream!" or "a paint brush".
    if (!prev || isStop(prev.lw) || prev.br || !BASE_VERBS.has(t.lw))
      return !(t.br && prev && !isStop(prev.lw));
    return (
      !t.br &&
      next !== undefined &&
      (/[^su'i]s$/.test(prev.lw) ||
        VERB_FOLLOWERS.has(next.lw) ||
        next.lw === 'to' ||
        /^\p{Lu}/u.test(next.w))
    );
  }
  if (prev === undefined || prev.br || isStop(prev.lw) || t.br || next === undefined) return false;
  return (
    VERB_FOLLOWERS.has(next.lw) ||
    // "robots colonize Mars", "humans terraform Venus": a plain word between a noun and a name.
    (/(ize|ise|ify|izes|ises|ifies)$/.test(t.lw) && !isStop(next.lw)) ||
    (/^\p{Lu}/u.test(next.w) && /[^su'i]s$/.test(prev.lw)) ||
    (/[^su'i]s$/.test(t.lw) && !isStop(next.lw) && !next.poss)
  );
}

const render = (toks: Tok[]): string =>
  toks
    .map(
      (t, i) =>
        `${t.w}${t.poss ? (t.w.endsWith('s') && t.w !== t.w.toUpperCase() ? "'" : "'s") : ''}` +
        (t.comma && i < toks.length - 1 ? ',' : ''),
    )
    .join(' ');

// ---------------------------------------------------------------------------------------------
// Phrases
// ---------------------------------------------------------------------------------------------

interface NounPhrase {
  /** As written in the idea, e.g. "a quiet city", "NASDAQ". */
  text: string;
  /** For a later mention: "the quiet city". */
  def: string;
  /** Without a leading article, for image prompts: "quiet city". */
  bare: string;
  /** A shorter later mention: "the founder" for "a startup founder". */
  short: string;
  plural: boolean;
}

function nounPhrase(toks: Tok[]): NounPhrase {
  const written = render(toks);
  if (!/\p{Script=Latin}/u.test(written)) {
    // Text in another script is quoted as a title; no article can attach to it.
    const clipped = [...written].length > 24 ? `${[...written].slice(0, 24).join('')}…` : written;
    const quoted = `“${clipped}”`;
    return { text: quoted, def: quoted, bare: quoted, plural: false, short: quoted };
  }
  const text = render(toks);
  const first = toks[0]!;
  const head = toks[toks.length - 1]!;
  const rest = render(toks.slice(1));
  const coordinated = toks.some((t) => t.lw === 'and');
  const plural =
    coordinated ||
    NUMBERS.has(first.lw) ||
    ['these', 'those', 'both', 'all'].includes(first.lw) ||
    (/[^su'i]s$/.test(head.lw) && /^\p{Ll}/u.test(head.w) && !head.poss);
  let def: string;
  if (
    INDEFINITE.has(first.lw) ||
    POSSESSIVE_PRONOUNS.has(first.lw) ||
    first.lw === 'this' ||
    first.lw === 'that'
  )
    def = rest ? `the ${rest}` : text;
  else if (NUMBERS.has(first.lw) || (!DETERMINERS.has(first.lw) && /^[\p{Ll}]/u.test(first.w)))
    def = `the ${text}`;
  else def = text;
  const bare = ['a', 'an', 'the'].includes(first.lw) && rest ? rest : text;
  const content = toks.filter((t) => !DETERMINERS.has(t.lw));
  const short =
    content.length >= 2 && !coordinated && !head.poss && /^\p{Ll}/u.test(head.w) && def.startsWith('the ')
      ? `the ${head.w}`
      : def;
  return { text, def, bare, plural, short };
}

/** A noun phrase starting at i: determiners, then up to five content words. */
function parseNP(toks: Tok[], i: number, stopAtPossessive = false): { toks: Tok[]; end: number } | undefined {
  let j = i;
  let dets = 0;
  while (j < toks.length && DETERMINERS.has(toks[j]!.lw) && dets < 2 && !toks[j]!.br) {
    j++;
    dets++;
  }
  const contentStart = j;
  while (j < toks.length && j - contentStart < 5) {
    const t = toks[j]!;
    if (isStop(t.lw) || isGerund(t) || (j > contentStart && isVerb(toks, j))) break;
    j++;
    if (t.br || t.end || (t.poss && stopAtPossessive)) break;
    // "the highs and lows", "salt and pepper": a bare word after "and" joins the phrase.
    const and = toks[j];
    const after = toks[j + 1];
    if (
      and?.lw === 'and' &&
      !t.br &&
      after &&
      !isStop(after.lw) &&
      !isGerund(after) &&
      !isVerb(toks, j + 1) &&
      !after.poss &&
      (toks[j + 2] === undefined || after.br || isStop(toks[j + 2]!.lw))
    ) {
      j += 2;
      break;
    }
  }
  if (j === contentStart) return undefined;
  // "her sense of taste", "a cup of coffee": an "of" phrase belongs to the noun (not "of building …").
  if (toks[j]?.lw === 'of' && !toks[j - 1]!.br && !toks[j - 1]!.end) {
    const inner = parseNP(toks, j + 1);
    if (inner && inner.end - i <= 7) j = inner.end;
  }
  return { toks: toks.slice(i, j), end: j };
}

interface Place {
  /** "over a quiet city" */
  text: string;
  prep: string;
  np: NounPhrase;
}

type Moment =
  | { kind: 'act'; text: string; sentence: number }
  | { kind: 'goal'; text: string; sentence: number }
  | { kind: 'place'; place: Place; sentence: number }
  | { kind: 'thing'; np: NounPhrase; sentence: number };

interface Idea {
  subject: NounPhrase;
  /** The predicate the idea gives its subject, e.g. "learns to paint the sunrise over a quiet city". */
  predicate?: string;
  /** The predicate without a trailing place: "learns to paint the sunrise". */
  core?: string;
  moments: Moment[];
  places: Place[];
  things: NounPhrase[];
  /** A time the idea opens with ("In 2050"). */
  time?: string;
}

const FALLBACK_SUBJECT: NounPhrase = {
  text: 'our hero',
  def: 'our hero',
  bare: 'lone hero',
  plural: false,
  short: 'our hero',
};

/** Skips "Make a short video about", "The story of", "Show" at the start of a sentence. */
function skipPreamble(toks: Tok[]): number {
  let i = 0;
  if (INSTRUCTIONS.has(toks[0]?.lw ?? '')) {
    i = 1;
    if (['me', 'us'].includes(toks[i]?.lw ?? '')) i++;
  }
  let j = i;
  while (DETERMINERS.has(toks[j]?.lw ?? '') && j < i + 1) j++;
  while (/^(short|cinematic|brief|little|animated|epic)$/.test(toks[j]?.lw ?? '')) j++;
  if (MEDIUM.has(toks[j]?.lw ?? '')) {
    j++;
    if (/^(about|of|where|on|showing|following|in)$/.test(toks[j]?.lw ?? '')) j++;
    if (toks[j]?.lw === 'which') j++;
    return j;
  }
  if (i > 0 && /^(how|what|why)$/.test(toks[i]?.lw ?? '')) return i + 1;
  return i;
}

function analyse(idea: string): Idea {
  const sentences = tokenize(idea);
  const places: Place[] = [];
  const things: NounPhrase[] = [];
  const moments: Moment[] = [];
  let subject: NounPhrase | undefined;
  let subjectToks: Tok[] = [];
  let predicate: string | undefined;
  let core: string | undefined;
  let time: string | undefined;

  const addThing = (np: NounPhrase, sentence: number, asMoment: boolean) => {
    if (subject && np.def.toLowerCase() === subject.def.toLowerCase()) return;
    if (things.some((t) => t.def.toLowerCase() === np.def.toLowerCase())) return;
    things.push(np);
    if (asMoment) moments.push({ kind: 'thing', np, sentence });
  };
  const addPlace = (prep: string, npToks: Tok[], sentence: number, asMoment: boolean) => {
    const np = nounPhrase(npToks);
    const place = { text: `${prep} ${np.text}`, prep, np };
    if (!places.some((p) => p.text.toLowerCase() === place.text.toLowerCase())) {
      places.push(place);
      if (asMoment) moments.push({ kind: 'place', place, sentence });
    }
    addThing(np, sentence, false);
  };

  sentences.forEach((toks, s) => {
    let i = skipPreamble(toks);
    if (s === 0) {
      // A leading "In 2050," or "Deep in the forest," sets the scene before the subject arrives.
      if (SPATIAL.has(toks[i]?.lw ?? '')) {
        const prep = toks[i]!.lw;
        const np = parseNP(toks, i + 1);
        if (np && (np.toks[np.toks.length - 1]!.br || toks[np.end]?.lw === 'where')) {
          if (np.toks.every((t) => /^\d/.test(t.w) || DETERMINERS.has(t.lw)))
            time = `${cap(prep)} ${render(np.toks)}`;
          else addPlace(prep, np.toks, s, true);
          i = np.end + (toks[np.end]?.lw === 'where' ? 1 : 0);
        }
      }
      const np = parseNP(toks, i, true);
      if (np && /\p{Script=Latin}/u.test(render(np.toks))) {
        subjectToks = np.toks;
        i = np.end;
        const last = np.toks[np.toks.length - 1]!;
        // "A startup founder's journey from …": the founder is the subject, the journey its frame.
        if (last.poss) {
          const owned = parseNP(toks, i);
          const verbAfter = owned && isVerb(toks, owned.end);
          if (owned && verbAfter) {
            subjectToks = [...np.toks, ...owned.toks];
            i = owned.end;
          } else {
            subjectToks = [...np.toks.slice(0, -1), { ...last, poss: false }];
            if (owned) i = owned.end;
          }
        }
        // "A girl and her dog cross …": a coordinated subject, plural.
        if (toks[i]?.lw === 'and' && !last.br) {
          const other = parseNP(toks, i + 1);
          if (other && isVerb(toks, other.end)) {
            subjectToks = [...subjectToks, toks[i]!, ...other.toks];
            i = other.end;
          }
        }
        subject = nounPhrase(subjectToks);
        // "Moonshot …": a bare singular noun reads better with an article ("the moonshot").
        if (!subject.plural && !DETERMINERS.has(subjectToks[0]!.lw) && /^\p{Ll}/u.test(subject.text))
          subject = { ...subject, text: subject.def };
        // A place attached to the subject ("bakers on one street") may come before the verb.
        if (SPATIAL.has(toks[i]?.lw ?? '') && !toks[i - 1]?.br) {
          const pp = parseNP(toks, i + 1);
          if (pp && isVerb(toks, pp.end)) {
            addPlace(toks[i]!.lw, pp.toks, s, true);
            i = pp.end;
          }
        }
        // "A chef who loses her sense of taste": the relative clause is the predicate, unless a main
        // verb follows it ("A girl who hates rain finds an umbrella").
        if (['who', 'that', 'which'].includes(toks[i]?.lw ?? '') && isVerb(toks, i + 1)) {
          i++;
          for (let k = i + 2; k < toks.length && k < i + 8; k++) {
            if (toks[k - 1]!.br || MAJOR_MARKERS.has(toks[k]!.lw)) break;
            if (VERBS.has(toks[k]!.lw) && !DETERMINERS.has(toks[k - 1]!.lw)) {
              i = k;
              break;
            }
          }
        }
        if (isVerb(toks, i) && !subjectToks[subjectToks.length - 1]!.br) {
          let end = toks.length;
          for (let k = i; k < toks.length; k++) {
            // A comma ends the predicate once it has a verb and an object ("keeps a promise, tending …").
            if (toks[k]!.end || (toks[k]!.br && (!toks[k]!.comma || k - i >= 2))) {
              end = k + 1;
              break;
            }
          }
          let predToks = toks.slice(i, Math.min(end, i + 14));
          if (predToks.length === 14 && end > i + 14) {
            const cut = predToks.findLastIndex((t, k) => k > 2 && MAJOR_MARKERS.has(t.lw));
            if (cut > 0) predToks = predToks.slice(0, cut);
          }
          while (predToks.length > 1 && isStop(predToks[predToks.length - 1]!.lw))
            predToks = predToks.slice(0, -1);
          predicate = render(predToks);
          const placeAt = predToks.findIndex(
            (t, k) => k >= 2 && SPATIAL.has(t.lw) && parseNP(predToks, k + 1) !== undefined,
          );
          core = placeAt > 0 ? render(predToks.slice(0, placeAt)) : predicate;
          // Leave the verb itself to the predicate; its objects, goals and places still become phrases.
          i++;
        }
      }
    } else if (i === 0 && INSTRUCTIONS.has(toks[0]?.lw ?? '')) i = 1;

    // The rest of the sentence, phrase by phrase.
    let marker = s === 0 && i > 0 ? (toks[i - 1]?.lw ?? '') : '';
    while (i < toks.length) {
      const t = toks[i]!;
      if (isGerund(t) && !(toks[i - 1] && DETERMINERS.has(toks[i - 1]!.lw))) {
        let k = i + 1;
        while (
          k < toks.length &&
          k < i + 7 &&
          !toks[k - 1]!.br &&
          !MAJOR_MARKERS.has(toks[k]!.lw) &&
          !isVerb(toks, k)
        )
          k++;
        let act = toks.slice(i, k);
        while (act.length > 1 && isStop(act[act.length - 1]!.lw)) act = act.slice(0, -1);
        moments.push({ kind: 'act', text: render(act), sentence: s });
        // Nouns inside the action still count as things and places.
        for (let m = i + 1; m < i + act.length; m++) {
          const inner = parseNP(act, m - i);
          if (inner && (m === i + 1 || isStop(act[m - i - 1]!.lw))) {
            const prep = act[m - i - 1]!.lw;
            if (SPATIAL.has(prep) && m > i + 1) addPlace(prep, inner.toks, s, false);
            else addThing(nounPhrase(inner.toks), s, false);
            m = i + inner.end - 1;
          }
        }
        i = i + act.length;
        marker = '';
        continue;
      }
      if (
        marker === 'to' &&
        !isStop(t.lw) &&
        !/^\p{Lu}/u.test(t.w) &&
        (VERBS.has(t.lw) || VERB_FOLLOWERS.has(toks[i + 1]?.lw ?? ''))
      ) {
        let k = i + 1;
        while (k < toks.length && k < i + 7 && !toks[k - 1]!.br && !MAJOR_MARKERS.has(toks[k]!.lw)) k++;
        let goal = toks.slice(i, k);
        while (goal.length > 1 && isStop(goal[goal.length - 1]!.lw)) goal = goal.slice(0, -1);
        if (goal.length > 1) {
          moments.push({ kind: 'goal', text: render(goal), sentence: s });
          const inner = parseNP(goal, 1);
          if (inner) addThing(nounPhrase(inner.toks), s, false);
          i += goal.length;
          marker = '';
          continue;
        }
      }
      if (isVerb(toks, i) || (PRONOUNS.has(toks[i - 1]?.lw ?? '') && VERBS.has(t.lw))) {
        marker = t.lw;
        i++;
        continue;
      }
      const np = isStop(t.lw) && !DETERMINERS.has(t.lw) ? undefined : parseNP(toks, i);
      if (np?.toks.some((x) => !isStop(x.lw))) {
        if (SPATIAL.has(marker)) addPlace(marker, np.toks, s, true);
        else if (!(s === 0 && subjectToks.length > 0 && render(np.toks) === render(subjectToks)))
          addThing(nounPhrase(np.toks), s, true);
        marker = '';
        i = np.end;
        continue;
      }
      marker = t.lw;
      i++;
    }
  });

  return { subject: subject ?? FALLBACK_SUBJECT, predicate, core, moments, places, things, time };
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

type Beat = 'opening' | 'rising' | 'turn' | 'climax' | 'closing';

function beatOf(index: number, count: number): Beat {
  if (index === 0) return 'opening';
  if (index === count - 1) return 'closing';
  if (count >= 3 && index === count - 2) return 'climax';
  if (count >= 6 && index === Math.floor((count - 1) / 2)) return 'turn';
  return 'rising';
}

/** Everything a template may use for one scene; optional slots are undefined when the idea has none. */
interface Slots {
  S: string;
  Sd: string;
  /** Subject without its article, for image prompts. */
  Sb: string;
  /** Verb agreement with the subject: v('looks', 'look'). */
  v: (singular: string, plural: string) => string;
  predicate?: string;
  core?: string;
  act?: string;
  goal?: string;
  place?: Place;
  thing: NounPhrase;
  /** Agreement with the thing. */
  tv: (singular: string, plural: string) => string;
  time: string;
  lastPlace?: Place;
}

type Template = (x: Slots) => string | undefined;

const possessive = (np: string): string => (/s$/.test(np) ? `${np}'` : `${np}'s`);
/** Places that read naturally after "Somewhere" or "Out here". */
const locative = (p: Place | undefined): Place | undefined =>
  p && ['in', 'at', 'on', 'inside', 'aboard', 'beneath', 'under', 'near'].includes(p.prep) ? p : undefined;

const TIMES = [
  'First light',
  'Early morning',
  'Late at night',
  'A still dawn',
  'Just before sunrise',
  'A grey, quiet morning',
];

const DESCRIPTIONS: Record<Beat, readonly Template[]> = {
  opening: [
    (x) => (x.core && x.place ? `${x.time} ${x.place.text}: ${x.S} ${x.core}` : undefined),
    (x) => (x.predicate ? `${x.time}, ${x.S} ${x.predicate}` : undefined),
    (x) => (x.act ? `${x.time}, ${x.S} ${x.v('is', 'are')} ${x.act}, unaware of what lies ahead` : undefined),
    (x) => (x.act ? `${x.time}: ${x.S}, alone with the work, ${x.act}` : undefined),
    (x) =>
      x.place
        ? `Establishing view ${x.place.text}, where ${possessive(x.S)} story begins`
        : `First glimpse of ${x.S}, quiet and unaware of what lies ahead`,
  ],
  rising: [
    (x) =>
      x.act ? `Deep into ${x.act}, ${x.Sd} ${x.v('pushes', 'push')} on as the hours slip by` : undefined,
    (x) => (x.act ? `Close on ${x.Sd} ${x.act}, every small detail in sharp focus` : undefined),
    (x) => (x.goal ? `${cap(x.Sd)} ${x.v('tries', 'try')} again and again to ${x.goal}` : undefined),
    (x) =>
      x.goal
        ? `Practice, failure, practice: ${x.Sd} ${x.v('refuses', 'refuse')} to give up on the chance to ${x.goal}`
        : undefined,
    (x) =>
      x.place
        ? `Wide shot ${x.place.text}: ${x.Sd}, small against a big world, ${x.v('keeps', 'keep')} going`
        : undefined,
    (x) => `A closer look at ${x.thing.def}, where ${x.Sd} ${x.v('finds', 'find')} something unexpected`,
    (x) => `${cap(x.thing.def)} ${x.tv('fills', 'fill')} the frame as ${x.Sd} ${x.v('steps', 'step')} closer`,
    (x) => `Days blur together as ${x.Sd} ${x.v('circles', 'circle')} back to ${x.thing.def}`,
    (x) => `${cap(x.Sd)} ${x.v('turns', 'turn')} toward ${x.thing.def}, and the stakes quietly rise`,
    (x) => `${cap(x.Sd)} ${x.v('works', 'work')} late into the night, refusing to give up`,
    (x) => `Setbacks pile up, but ${x.Sd} ${x.v('finds', 'find')} a way through`,
  ],
  turn: [
    (x) => `A turning point: ${x.Sd} ${x.v('comes', 'come')} face to face with ${x.thing.def}`,
    (x) =>
      `Doubt creeps in, and ${x.Sd} ${x.v('must', 'must')} decide what ${x.thing.def} ${x.tv('is', 'are')} really worth`,
  ],
  climax: [
    (x) => (x.act ? `The decisive moment: ${x.Sd}, ${x.act}, with everything on the line` : undefined),
    (x) =>
      x.act ? `At the climax, ${x.Sd} ${x.v('is', 'are')} ${x.act}, with everything on the line` : undefined,
    (x) =>
      x.goal ? `The decisive moment: ${x.Sd} ${x.v('has', 'have')} one chance to ${x.goal}` : undefined,
    (x) => `The climax: ${x.Sd} and ${x.thing.def}, face to face at last`,
  ],
  closing: [
    (x) =>
      `${cap(x.Sd)}, changed for good, ${x.v('looks', 'look')} out ${x.lastPlace && ['over', 'across', 'at', 'on', 'in'].includes(x.lastPlace.prep) ? `over ${x.lastPlace.np.def}` : 'at the horizon'}`,
    (x) => `The final image: ${x.Sd} and ${x.thing.def} in the fading light, the journey complete`,
    (x) => `Calm returns as ${x.Sd} ${x.v('takes', 'take')} in everything that has changed`,
  ],
};

const NARRATIONS: Record<Beat, readonly Template[]> = {
  opening: [
    (x) => (x.predicate ? `${cap(x.S)} ${x.predicate}. This is where it all begins.` : undefined),
    (x) => (x.act ? `Every great story starts small. For ${x.Sd}, it starts with ${x.act}.` : undefined),
    (x) => (locative(x.place) ? `Somewhere ${x.place!.text}, a story is about to begin.` : undefined),
    (x) => `Every story starts somewhere. This one starts with ${x.S}.`,
  ],
  rising: [
    (x) => (x.act ? `No shortcuts, no guarantees. Just ${x.act}, one day at a time.` : undefined),
    (x) => (x.act ? `Day after day, it comes down to ${x.act}.` : undefined),
    (x) => (x.goal ? `The goal is simple: ${x.goal}. Getting there is anything but.` : undefined),
    (x) => (locative(x.place) ? `Out here ${x.place!.text}, every small step counts.` : undefined),
    (x) => `Every step brings ${x.Sd} closer to ${x.thing.def}.`,
    (x) => `Some things cannot be rushed, and ${x.thing.def} ${x.tv('is one of them', 'are among them')}.`,
    (x) => `It is harder than it looks. But ${x.Sd} ${x.v('keeps', 'keep')} going.`,
    (x) => `Nobody said it would be easy. But ${x.Sd} ${x.v('is', 'are')} not about to stop.`,
  ],
  turn: [
    (x) => `Then everything changes. ${cap(x.thing.def)} ${x.tv('is', 'are')} not what anyone expected.`,
    (x) => `Halfway there, the doubts arrive. Is ${x.thing.def} really worth it?`,
  ],
  climax: [
    (x) => (x.act ? `This is the moment it was all for: ${x.act}.` : undefined),
    (x) => (x.goal ? `One chance to ${x.goal}. No turning back now.` : undefined),
    (x) => `Everything has led to this moment, and to ${x.thing.def}.`,
  ],
  closing: [
    (x) => `In the end, it was never only about ${x.act ?? x.thing.def}. It was about the journey.`,
    (x) => `${cap(x.Sd)} ${x.v('has', 'have')} come a long way. And this is only the beginning.`,
    () => 'Some journeys change everything. This was one of them.',
  ],
};

const MOTIONS: Record<Beat, readonly Template[]> = {
  opening: [
    (x) =>
      x.place
        ? `Slow aerial descent ${['over', 'across'].includes(x.place.prep) ? x.place.text : `towards ${x.place.np.text}`}, settling on ${x.Sd}`
        : undefined,
    (x) => `Slow push-in towards ${x.Sd}, dust drifting in the light`,
    (x) => `Gentle dolly forward past ${x.thing.def}, revealing ${x.Sd}`,
  ],
  rising: [
    (x) => `Tracking shot following ${x.Sd}, handheld energy`,
    (x) => `Pan across ${x.thing.def}, then rack focus to ${x.Sd}`,
    (x) => `Dolly left past ${x.thing.def} to reveal ${x.Sd}`,
    (x) => `Steady orbit around ${x.Sd}, subtle parallax in the background`,
    (x) => `Slow tilt up from ${x.thing.def} to ${possessive(x.Sd)} ${x.v('face', 'faces')}`,
  ],
  turn: [
    (x) => `Slow zoom into ${possessive(x.Sd)} ${x.v('face', 'faces')}, the background falling out of focus`,
  ],
  climax: [
    (x) => `Fast push-in on ${x.thing.def}, quick rack focus to ${x.Sd}, rising camera shake`,
    (x) => `Low-angle orbit around ${x.Sd}, accelerating movement`,
  ],
  closing: [
    (x) => `Slow pull-back from ${x.Sd} to a wide shot, gentle fade out`,
    (x) => `Crane up and away from ${x.Sd}, lingering on ${x.lastPlace ? x.lastPlace.np.def : 'the horizon'}`,
  ],
};

const SHOTS: Record<Beat, readonly string[]> = {
  opening: ['wide establishing shot', 'sweeping establishing shot'],
  rising: ['medium shot', 'over-the-shoulder shot', 'handheld tracking shot'],
  turn: ['intimate close-up', 'tight close-up'],
  climax: ['dramatic low angle', 'intense close-up'],
  closing: ['wide final shot', 'wide silhouette shot'],
};
const LIGHTING: Record<Beat, readonly string[]> = {
  opening: ['soft dawn light', 'dim moody lighting', 'early morning haze'],
  rising: ['natural daylight', 'warm afternoon light', 'bright practical lights'],
  turn: ['cool overcast light', 'low evening light'],
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

function imagePrompt(beat: Beat, x: Slots, rng: () => number): string {
  const where = x.place ? ` ${x.place.text}` : '';
  const action = x.act ?? (x.goal ? `trying to ${x.goal}` : '');
  const focus =
    x.thing.bare !== x.Sb && !`${action}${where}`.includes(x.thing.bare)
      ? `, ${x.thing.bare} ${beat === 'climax' ? 'in sharp focus' : 'in the frame'}`
      : '';
  const subjectShot = `${x.Sb}${action ? ` ${action}` : ''}${action.includes(x.place?.text ?? '\u0000') ? '' : where}`;
  return `Photorealistic, ${subjectShot}${focus}, ${pick(rng, SHOTS[beat])}, ${pick(rng, LIGHTING[beat])}, ${pick(rng, TEXTURES)}, ${pick(rng, LENSES)}, cinematic, 8K`;
}

/**
 * Picks the k-th (mod) template that fits. Templates that use this scene's own action, goal, place
 * or predicate win over the generic ones, which only fill in when the idea offers nothing more.
 */
function fill(templates: readonly Template[], x: Slots, k: number, used: Set<string>): string {
  const plain: Slots = {
    ...x,
    predicate: undefined,
    core: undefined,
    act: undefined,
    goal: undefined,
    place: undefined,
  };
  const specific: string[] = [];
  const generic: string[] = [];
  for (const template of templates) {
    const out = template(x);
    if (out) (template(plain) === undefined ? specific : generic).push(out);
  }
  // Prefer a line no earlier scene has used; the specific ones first.
  for (const pool of [specific, generic]) {
    for (let n = 0; n < pool.length; n++) {
      const out = pool[(k + n) % pool.length]!;
      if (!used.has(out)) {
        used.add(out);
        return out;
      }
    }
  }
  const pool = specific.length > 0 ? specific : generic;
  return pool[k % pool.length] ?? '';
}

/** Collapses doubled spaces and stray spaces before punctuation; guarantees a capital first letter. */
const tidy = (s: string): string =>
  cap(
    s
      .replace(/\s+/g, ' ')
      .replace(/\s+([,.:;!?])/g, '$1')
      .replace(/([.!?])\./g, '$1')
      .trim(),
  );

// ---------------------------------------------------------------------------------------------
// Scenes
// ---------------------------------------------------------------------------------------------

const FALLBACK_THINGS: NounPhrase[] = [
  { text: 'the horizon', def: 'the horizon', bare: 'distant horizon', plural: false, short: 'the horizon' },
  {
    text: 'the road ahead',
    def: 'the road ahead',
    bare: 'open road',
    plural: false,
    short: 'the road ahead',
  },
  {
    text: 'every small detail',
    def: 'every small detail',
    bare: 'small details',
    plural: false,
    short: 'every detail',
  },
];

export function proposeScenes(
  idea: string,
  count: number,
  avatar: { first?: boolean; last?: boolean } = {},
): SceneProposal[] {
  const rng = seededRandom(hashString(`${count}\u0000${idea}`));
  const parsed = analyse(idea);
  const { subject } = parsed;
  const things = parsed.things.length > 0 ? parsed.things : FALLBACK_THINGS;

  // Opening takes the first action or place; the climax takes the last action or goal (the
  // "to ringing the IPO bell" of a "from … to …" idea); the rising beats share the rest in order.
  const moments = [...parsed.moments];
  const openingMoment =
    moments[0] && (moments[0].kind === 'act' || moments[0].kind === 'place') && moments[0].sentence === 0
      ? moments.shift()
      : undefined;
  let climaxAt = -1;
  for (let k = moments.length - 1; k >= 0; k--) {
    const m = moments[k]!;
    if ((m.kind === 'act' || m.kind === 'goal') && (climaxAt < 0 || m.sentence === 0)) {
      climaxAt = k;
      if (m.sentence === 0) break;
    }
  }
  const climaxMoment = count >= 3 && climaxAt >= 0 ? moments.splice(climaxAt, 1)[0] : undefined;
  // Too few phrases for the rising beats: the things inside actions and goals take a turn too.
  for (const np of things) {
    if (moments.length >= count - 2) break;
    const used = [...moments, openingMoment, climaxMoment].some(
      (m) => (m?.kind === 'thing' && m.np === np) || (m?.kind === 'place' && m.place.np === np),
    );
    if (!used && parsed.things.length > 0) moments.push({ kind: 'thing', np, sentence: 0 });
  }
  const middle: number[] = [];
  for (let i = 1; i < count - 1; i++) if (beatOf(i, count) !== 'climax') middle.push(i);

  const lastPlace = parsed.places[parsed.places.length - 1];
  // No "Late at night" for a sunrise story, no "First light" for a midnight one.
  const lower = idea.toLowerCase();
  const times = /\b(sunrise|dawn|morning|daybreak)/.test(lower)
    ? TIMES.filter((t) => !/night/.test(t))
    : /\b(night|midnight|moon|stars|dark)/.test(lower)
      ? TIMES.filter((t) => !/light|dawn|morning|sunrise/.test(t))
      : TIMES;
  const order = Math.floor(rng() * 1000);
  const scenes: SceneProposal[] = [];
  const usedMoments = new Set<Moment>();
  const used = { description: new Set<string>(), motion: new Set<string>(), narration: new Set<string>() };
  for (let i = 0; i < count; i++) {
    const beat = beatOf(i, count);
    let moment: Moment | undefined;
    if (beat === 'opening') moment = openingMoment;
    else if (beat === 'climax') moment = climaxMoment;
    else if (beat !== 'closing' && moments.length > 0) {
      const k = middle.indexOf(i);
      moment = moments[Math.floor((k * moments.length) / Math.max(1, middle.length)) % moments.length];
      // A phrase already given its scene is not repeated; this scene gets a generic beat instead.
      if (moment && usedMoments.has(moment)) moment = undefined;
      if (moment) usedMoments.add(moment);
    }
    const thingFor = (): NounPhrase => {
      if (moment?.kind === 'thing') return moment.np;
      if (moment?.kind === 'place') return moment.place.np;
      if (beat === 'climax' || beat === 'closing') {
        // The climax looks at the story's object, not its backdrop: the recipe, not the street.
        const objects = things.filter((t) => !parsed.places.some((p) => p.np === t));
        if (objects.length > 0) return objects[objects.length - 1]!;
      }
      return things[(i * 7 + order) % things.length]!;
    };
    const thing = thingFor();
    const x: Slots = {
      S: subject.text,
      Sd: subject.def,
      Sb: subject.bare,
      v: (sg, pl) => (subject.plural ? pl : sg),
      predicate: beat === 'opening' ? parsed.predicate : undefined,
      core: beat === 'opening' ? parsed.core : undefined,
      act: moment?.kind === 'act' ? moment.text : undefined,
      goal: moment?.kind === 'goal' ? moment.text : undefined,
      place: moment?.kind === 'place' ? moment.place : beat === 'opening' ? parsed.places[0] : undefined,
      thing,
      tv: (sg, pl) => (thing.plural ? pl : sg),
      time: parsed.time ?? pick(rng, times),
      lastPlace,
    };
    const talking = (i === 0 && avatar.first) || (i === count - 1 && avatar.last);
    if (talking) {
      scenes.push(avatarScene(beat === 'opening', x, parsed, rng));
      continue;
    }
    const k = i + order;
    // Descriptions name the subject in full; camera moves and narration may use the short form.
    const short: Slots = { ...x, Sd: subject.short };
    scenes.push({
      description: tidy(fill(DESCRIPTIONS[beat], x, k, used.description)),
      image_prompt: tidy(imagePrompt(beat, x, rng)),
      motion_prompt: tidy(fill(MOTIONS[beat], i % 2 === 0 ? x : short, k, used.motion)),
      narration_text: tidy(fill(NARRATIONS[beat], short, k + 1, used.narration)),
      avatar: false,
    });
  }
  return scenes;
}

function avatarScene(first: boolean, x: Slots, parsed: Idea, rng: () => number): SceneProposal {
  const about = parsed.predicate ? `${x.S} who ${parsed.predicate}` : x.S;
  return {
    description: tidy(
      `Talking head: the presenter speaks directly to camera, ${first ? 'introducing the story of' : 'closing the story of'} ${first ? x.S : x.Sd}`,
    ),
    image_prompt: tidy(
      `Photorealistic, portrait of the presenter facing the camera, ${x.thing.bare} softly blurred in the background, ${pick(rng, LIGHTING[first ? 'opening' : 'closing'])}, 85mm lens, cinematic, 8K`,
    ),
    motion_prompt: 'Static medium close-up, subtle natural head movement, lip-sync to the narration',
    narration_text: tidy(
      first
        ? `Let me tell you a story about ${about}.`
        : `And that is the story of ${x.Sd}. Thank you for watching.`,
    ),
    avatar: true,
  };
}
