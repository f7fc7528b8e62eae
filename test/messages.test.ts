/**
 * Every message says each thing once: no sentence of an error text is repeated, word for word or
 * nearly, by another (a message and its hint used to say "try again in 5 s" twice). Checked over every
 * upstream error for every operation, and over the refusals tools give on the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abortedError,
  createStoryLost,
  httpError,
  networkError,
  notConfigured,
  spendNotShown,
  spendUndetermined,
  unexpectedAnswer,
} from '../src/api/errors/index.js';
import { TransportError } from '../src/api/http.js';
import { errorText } from '../src/error-text.js';
import { createSceneTools } from '../src/index.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { repeatedSentences } from './helpers/sentences.js';

const OPS = [
  'create_story',
  'list_projects',
  'get_project',
  'update_scene',
  'approve',
  'get_status',
  'regenerate',
  'upscale',
] as const;
const BODIES = [
  '',
  '{"detail":"Project is proposed: only a completed video can be upscaled"}',
  '{"detail":"Insufficient credits: 500 required, 100 available"}',
  '{"detail":[{"loc":["body","story_idea"],"msg":"field required"}]}',
  '{"detail":"Scene 2 not found"}',
  '<html><body>Bad gateway</body></html>',
];

function upstreamErrorTexts(): string[] {
  const texts = new Set<string>();
  for (const op of OPS) {
    const ctx = { op, method: 'POST' as const, path: '/x', projectId: 42, sceneNumber: 2, personId: 7 };
    for (const status of [400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503]) {
      for (const body of BODIES) {
        for (const extra of [{}, { retryAfterSeconds: 5, attempts: 3, projectStatus: 'generating' }]) {
          texts.add(errorText(httpError(ctx, status, body, 'tok_x', extra)));
        }
      }
    }
    for (const reason of ['refused', 'dns', 'reset', 'headers_timeout', 'closed'] as const) {
      for (const phase of ['connect', 'sent'] as const) {
        const e = new TransportError('x', phase, reason, 'X');
        texts.add(errorText(networkError(ctx, e, 'the connection was reset', 2, 'https://api.example/v1')));
      }
    }
    texts.add(errorText(abortedError(ctx)));
    texts.add(errorText(unexpectedAnswer(ctx, 200, 'not JSON')));
    texts.add(errorText(notConfigured(ctx)));
    for (const lost of [{ why: 'the connection was reset' }, { why: 'unreadable', accepted: true }]) {
      texts.add(errorText(createStoryLost(ctx, lost)));
      texts.add(errorText(spendUndetermined(ctx, lost, 'the project could not be read back')));
      texts.add(errorText(spendNotShown(ctx, lost, 'its status is unchanged')));
    }
  }
  return [...texts];
}

describe('messages say each thing once', () => {
  it('the detector finds a near repeat and leaves distinct sentences alone', () => {
    expect(
      repeatedSentences('Nothing was done. Try again in 5 s. Wait, then try again in 5 s.'),
    ).toHaveLength(1);
    expect(repeatedSentences('Project 4 was not found. Call list_projects to see the projects.')).toEqual([]);
  });

  it('every upstream error, for every operation, status and kind of answer', () => {
    const texts = upstreamErrorTexts();
    expect(texts.length).toBeGreaterThan(300);
    const repeats = texts.flatMap((t) => repeatedSentences(t).map((pair) => ({ text: t, pair })));
    expect(repeats).toEqual([]);
  });

  describe('refusals of tools on the sandbox', () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await startSandbox({ timeScale: 400 });
    });
    afterAll(async () => sb.close());

    it('bad input, wrong states, unknown ids, missing consent and tokens', async () => {
      const scene = createSceneTools({ baseUrl: sb.url, token: sb.token, personId: 1 });
      const noToken = createSceneTools({ baseUrl: sb.url, token: '' });
      const wrongToken = createSceneTools({ baseUrl: sb.url, token: 'not-the-sandbox-token' });
      try {
        const created = await scene.execute('create_story', {
          story_idea: 'A lighthouse keeper befriends a storm.',
          num_scenes: 2,
        });
        const id = (created.structured as { project: { id: number } }).project.id;
        const calls: [typeof scene, string, Record<string, unknown>][] = [
          [scene, 'create_story', { story_idea: 'short' }],
          [scene, 'get_project', { project_id: 999 }],
          [scene, 'update_scene', { project_id: id, scene_number: 1 }],
          [scene, 'update_scene', { project_id: id, scene_number: 9, description: 'A new scene.' }],
          [scene, 'update_scene', { project_id: id, scene_number: 1, scene_id: 99999, description: 'New.' }],
          [scene, 'regenerate_scene', { project_id: id, scene_number: 1 }],
          [scene, 'upscale', { project_id: id }],
          [scene, 'approve_project', { project_id: 999 }],
          [scene, 'approve_project', { project_id: id }],
          [scene, 'nope', {}],
          [noToken, 'list_projects', {}],
          [wrongToken, 'get_project', { project_id: id }],
        ];
        for (const [tools, name, args] of calls) {
          const r = await tools.execute(name, args);
          expect(r.isError, `${name} ${JSON.stringify(args)}: ${r.text}`).toBe(true);
          expect(repeatedSentences(r.text), r.text).toEqual([]);
        }
      } finally {
        await Promise.all([scene.close(), noToken.close(), wrongToken.close()]);
      }
    });
  });
});
