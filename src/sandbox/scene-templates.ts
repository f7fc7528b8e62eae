/**
 * The sandbox's scene templates, by beat. `{slot}` is filled from the story idea (S: the subject as
 * first met, Sd: the subject again, time, predicate, act, goal, place, thing); `{singular|plural}`
 * agrees with the subject. Each beat offers at least as many lines without act/goal/place as a
 * 10-scene project has scenes of that beat, so no line needs to repeat.
 */
export type Beat = 'opening' | 'rising' | 'climax' | 'closing';
/** Opening, closing and the climax second to last; the rest rise. */
export const beatOf = (i: number, n: number): Beat =>
  i === 0 ? 'opening' : i === n - 1 ? 'closing' : n >= 3 && i === n - 2 ? 'climax' : 'rising';

/** One template a line, `beat: template`. */
function templates(text: string): Record<Beat, string[]> {
  const out: Record<Beat, string[]> = { opening: [], rising: [], climax: [], closing: [] };
  for (const [, beat, t] of text.matchAll(/^\s*(\w+): (.+)$/gm)) out[beat as Beat].push(t!);
  return out;
}

export const DESCRIPTIONS = templates(`
  opening: {time}, {S} {predicate}
  opening: {time}, {S} {is|are} {act}, unaware of what lies ahead
  opening: {time} {place}: first glimpse of {S}
  opening: {time}: first glimpse of {S}, quiet and unaware of what lies ahead
  rising: Close on {Sd} {act}, every small detail in sharp focus
  rising: {Sd} {tries|try} again and again to {goal}
  rising: Wide shot {place}: {Sd}, small against a big world, {keeps|keep} going
  rising: A closer look at {thing}, where {Sd} {finds|find} something unexpected
  rising: A turning point: {Sd} {comes|come} face to face with {thing}
  rising: {Sd} {works|work} late into the night, refusing to give up
  rising: Setbacks pile up, but {Sd} {finds|find} a way through
  rising: A quiet moment as {Sd} {pauses|pause} to take stock
  rising: A small win, and for the first time {Sd} {smiles|smile}
  rising: Doubt creeps in, and {Sd} {has|have} to decide what really matters
  climax: The decisive moment: {Sd}, {act}, with everything on the line
  climax: The decisive moment: {Sd} {has|have} one chance to {goal}
  climax: The climax: {Sd} and {thing}, face to face at last
  closing: {Sd}, changed for good, {looks|look} out at the horizon
  closing: Calm returns as {Sd} {takes|take} in everything that has changed
`);

export const NARRATIONS = templates(`
  opening: {S} {predicate}. This is where it all begins.
  opening: Every great story starts small. For {Sd}, it starts with {act}.
  opening: Every story starts somewhere. This one starts with {S}.
  rising: No shortcuts, no guarantees. Just {act}, one day at a time.
  rising: The goal is simple: {goal}. Getting there is anything but.
  rising: Out here, {place}, every small step counts.
  rising: Every step brings {Sd} closer to {thing}.
  rising: It is harder than it looks. But {Sd} {keeps|keep} going.
  rising: Nobody said it would be easy. But {Sd} {is|are} not about to stop.
  rising: Each setback teaches something new.
  rising: Little by little, the pieces fall into place.
  rising: Then everything changes. Halfway there, the doubts arrive.
  rising: There is no map for this. Only the next step.
  climax: This is the moment it was all for: {act}.
  climax: One chance to {goal}. No turning back now.
  climax: Everything has led to this moment, and to {thing}.
  closing: {Sd} {has|have} come a long way. And this is only the beginning.
  closing: Some journeys change everything. This was one of them.
`);

export const MOTIONS = templates(`
  opening: Establishing drone shot {place}, settling on {Sd}
  opening: Slow push-in towards {Sd}, dust drifting in the light
  rising: Tracking shot following {Sd}, handheld energy
  rising: Pan across {thing}, then rack focus to {Sd}
  rising: Dolly left past {thing} to reveal {Sd}
  rising: Steady orbit around {Sd}, subtle parallax in the background
  rising: Slow tilt up from {thing} to {Sd}
  rising: Handheld close-up on {Sd}, quick cuts of hands at work
  rising: Slow zoom into {Sd}, the background falling out of focus
  climax: Fast push-in on {thing}, quick rack focus to {Sd}, rising camera shake
  closing: Slow pull-back from {Sd} to a wide shot, gentle fade out
`);

export const SHOTS = {
  opening: 'wide establishing shot',
  rising: 'medium shot',
  climax: 'low angle',
  closing: 'wide shot',
};
export const LIGHTS =
  'soft dawn light|natural daylight|warm afternoon light|dramatic lighting|golden hour'.split('|');
export const LENSES = ['35mm lens', 'shallow depth of field', 'anamorphic lens flare', '50mm lens'];
export const TIMES = [
  'First light',
  'Early morning',
  'Late at night',
  'A still dawn',
  'A grey, quiet morning',
];
export const FALLBACK_THINGS = ['the road ahead', 'the horizon', 'every small detail'];
