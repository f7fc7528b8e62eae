import { describe, expect, it } from 'vitest';
import { proposeScenes, type SceneProposal } from '../src/sandbox/proposals.js';

const STARTUP =
  "A startup founder's journey from coding in a garage to ringing the IPO bell at NASDAQ. Show the highs and lows of building a company.";
const ROBOT = 'A robot learns to paint the sunrise over a quiet city.';
const BAKERS = "Two rival bakers on one street discover they share a grandmother's recipe.";
const LONG = `${
  'An old lighthouse keeper on a windswept island keeps a promise to his late wife, tending the lamp through storms, ' +
  'winters and lonely years while the village below forgets him. '.repeat(5)
}A young girl arrives from the city.`.slice(0, 1000);
const MIXED = '🚀 "Moonshot" — a tiny team’s crazy dream: 一个机器人学会画日出, «¡Vamos!» 🌅';
const IDEAS = [
  STARTUP,
  ROBOT,
  BAKERS,
  LONG,
  MIXED,
  'A lighthouse keeper befriends a whale',
  'In 2050, humans colonize Mars.',
  'Make a short video about a chef who loses her sense of taste.',
  'A girl and her dog cross the desert to find their way home.',
  '一个机器人学会了在安静的城市上空画日出。',
];
const FIELDS = ['description', 'image_prompt', 'motion_prompt', 'narration_text'] as const;

function expectWellFormed(scenes: SceneProposal[]) {
  for (const scene of scenes) {
    for (const field of FIELDS) {
      const text = scene[field];
      expect(text.trim().length, field).toBeGreaterThan(10);
      expect(text, field).toBe(text.trim());
      expect(text, field).not.toMatch(/ {2}|undefined|null|NaN|\[object/);
      expect(text, field).not.toMatch(/\b(the|a|an) (the|a|an)\b/i);
      expect(text, field).not.toMatch(/\b(the|a|an|of|to|and)[,.:]/i);
      expect(text, field).not.toMatch(/ [,.:;!?]/);
    }
    expect(scene.image_prompt).toMatch(/^Photorealistic, .*cinematic, 8K$/);
    expect(scene.narration_text.split(/\s+/).length).toBeLessThan(35);
    expect(scene.narration_text).toMatch(/^\P{Ll}/u);
  }
}

describe('proposeScenes', () => {
  it('is deterministic: the same idea and count give the same text', () => {
    for (const idea of [STARTUP, ROBOT, BAKERS]) {
      expect(proposeScenes(idea, 5)).toEqual(proposeScenes(idea, 5));
      expect(proposeScenes(idea, 5, { first: true })).toEqual(proposeScenes(idea, 5, { first: true }));
    }
    expect(proposeScenes(ROBOT, 5)).not.toEqual(proposeScenes(BAKERS, 5));
  });

  it('writes 2 to 10 well-formed scenes for very different ideas', () => {
    for (const idea of IDEAS) {
      for (const count of [2, 3, 5, 10]) {
        const scenes = proposeScenes(idea, count);
        expect(scenes, idea).toHaveLength(count);
        expectWellFormed(scenes);
        expectWellFormed(proposeScenes(idea, count, { first: true, last: true }));
      }
    }
  });

  it('does not repeat a description or a narration within a project', () => {
    for (const idea of IDEAS) {
      const scenes = proposeScenes(idea, 10);
      expect(new Set(scenes.map((s) => s.description)).size, idea).toBe(10);
      expect(new Set(scenes.map((s) => s.narration_text)).size, idea).toBeGreaterThanOrEqual(8);
    }
  });

  it("builds the text from the idea's own words, grammatically", () => {
    const robot = proposeScenes(ROBOT, 5);
    const robotText = JSON.stringify(robot);
    for (const word of ['robot', 'sunrise', 'quiet city', 'paint the sunrise'])
      expect(robotText).toContain(word);
    expect(robot[0]!.description).toMatch(/a robot learns to paint the sunrise/);
    expect(robotText).not.toMatch(/robot learns comes|the robot learns\b/);

    const startup = JSON.stringify(proposeScenes(STARTUP, 5));
    for (const phrase of ['startup founder', 'coding in a garage', 'ringing the IPO bell at NASDAQ'])
      expect(startup).toContain(phrase);
    expect(startup).not.toMatch(/the lows was|founder's journey comes/);

    // A plural subject gets plural verbs.
    const bakers = proposeScenes(BAKERS, 5)
      .map((s) => `${s.description} ${s.narration_text}`)
      .join(' ');
    expect(bakers).toContain('two rival bakers');
    expect(bakers).not.toMatch(/bakers (looks|finds|keeps|has|is|takes|turns|steps|circles|works)\b/);
  });

  it('puts the climax second to last and keeps avatar scenes as talking heads', () => {
    const scenes = proposeScenes(STARTUP, 4, { first: true, last: true });
    expect(scenes[0]!.avatar).toBe(true);
    expect(scenes[0]!.description).toMatch(/^Talking head/);
    expect(scenes[3]!.avatar).toBe(true);
    expect(scenes[1]!.avatar).toBe(false);
    expect(scenes[2]!.description).toMatch(/climax|decisive/i);
  });

  it('is fast enough to call per request', () => {
    const started = performance.now();
    for (let i = 0; i < 200; i++) proposeScenes(`${LONG} ${i}`, 10);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
