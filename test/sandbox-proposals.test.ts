/** The sandbox's scene proposals: what matters to a person trying the server, not the parser's grammar. */
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
const IDEAS = [
  STARTUP,
  ROBOT,
  BAKERS,
  LONG,
  '🚀 "Moonshot" — a tiny team’s crazy dream: 一个机器人学会画日出, «¡Vamos!» 🌅',
  'A lighthouse keeper befriends a whale',
  'In 2050, humans colonize Mars.',
  'Make a short video about a chef who loses her sense of taste.',
  'A girl and her dog cross the desert to find their way home.',
  '一个机器人学会了在安静的城市上空画日出。',
  'Moonshot.',
];
const FIELDS = ['description', 'image_prompt', 'motion_prompt', 'narration_text'] as const;
const all = (scenes: SceneProposal[]) => scenes.map((s) => FIELDS.map((f) => s[f]).join(' ')).join(' ');

describe('proposeScenes', () => {
  it('is deterministic: the same idea and count give the same scenes, another idea others', () => {
    for (const idea of IDEAS) {
      expect(proposeScenes(idea, 5)).toEqual(proposeScenes(idea, 5));
      expect(proposeScenes(idea, 5, { first: true })).toEqual(proposeScenes(idea, 5, { first: true }));
    }
    expect(proposeScenes(ROBOT, 5)).not.toEqual(proposeScenes(BAKERS, 5));
  });

  it('writes 2 to 10 scenes, every field filled, image prompts in the reference style', () => {
    for (const idea of IDEAS) {
      for (let count = 2; count <= 10; count++) {
        const scenes = proposeScenes(idea, count, { first: count % 2 === 0, last: count % 3 === 0 });
        expect(scenes, idea).toHaveLength(count);
        for (const s of scenes) {
          for (const f of FIELDS) {
            expect(s[f].length, `${f}: ${s[f]}`).toBeGreaterThan(10);
            expect(s[f], f).not.toMatch(/undefined|\{|\}| {2}| [,.:]|^\P{Lu}/u);
          }
          expect(s.image_prompt).toMatch(/^Photorealistic, .*cinematic, 8K$/);
        }
      }
    }
  });

  it('repeats no description, narration or camera move within a project', () => {
    for (const idea of IDEAS) {
      for (let count = 2; count <= 10; count++) {
        const scenes = proposeScenes(idea, count);
        for (const f of ['description', 'narration_text', 'motion_prompt'] as const) {
          expect(new Set(scenes.map((s) => s[f])).size, `${f} of ${count}: ${idea}`).toBe(count);
        }
      }
    }
  });

  it('tells the story of the idea’s subject, with the idea’s own phrases', () => {
    const robot = proposeScenes(ROBOT, 5);
    expect(robot[0]!.description).toMatch(/a robot learns to paint the sunrise over a quiet city$/);
    expect(robot[4]!.description).toMatch(/the robot/);
    expect(all(robot)).not.toMatch(/robot learns (comes|is)|the robot learns/);

    const startup = proposeScenes(STARTUP, 5);
    expect(startup[0]!.description).toMatch(/a startup founder is coding in a garage/);
    expect(startup[3]!.description).toMatch(
      /decisive moment: the startup founder, ringing the IPO bell at NASDAQ/,
    );
    expect(all(startup)).not.toMatch(/founder's journey (comes|is)/);

    // A plural subject gets plural verbs.
    const bakers = all(proposeScenes(BAKERS, 10));
    expect(bakers).toContain('two rival bakers discover they share a grandmother');
    expect(bakers).toMatch(/the rival bakers (keep|find|have|take|look|come|pause|stand|work)\b/);
    expect(bakers).not.toMatch(/bakers (keeps|finds|has|takes|looks|comes|pauses|stands|works|is)\b/);

    expect(all(proposeScenes('Make a short video about a chef who loses her sense of taste.', 4))).toMatch(
      /a chef who loses her sense of taste/,
    );
    expect(proposeScenes('In 2050, humans colonize Mars.', 3)[0]!.description).toBe(
      'In 2050, humans colonize Mars',
    );
    // Nothing to read: a sensible hero rather than a fragment of foreign text in an English sentence.
    expect(all(proposeScenes('一个机器人学会了在安静的城市上空画日出。', 3))).toMatch(/our hero/);
  });

  it('puts the climax second to last and keeps avatar scenes as talking heads', () => {
    const scenes = proposeScenes(STARTUP, 4, { first: true, last: true });
    expect(scenes.map((s) => s.avatar)).toEqual([true, false, false, true]);
    expect(scenes[0]!.description).toMatch(/^Talking head.*introducing the story of a startup founder$/);
    expect(scenes[0]!.narration_text).toBe('Let me tell you a story about a startup founder.');
    expect(scenes[2]!.description).toMatch(/climax|decisive/i);
  });
});
