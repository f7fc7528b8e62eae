/**
 * Consent answers are bound to the question this server asked:
 * 1. a quote token shown to the model (the arguments channel) cannot stand in as the person's
 *    answer to an elicitation, even when a non-conforming client forges `inputResponses` and
 *    `requestState` in its first call (the channel is sealed into every quote);
 * 2. the library's confirmSpend spends only on a literal `true`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../src/sandbox/index.js';
import { createSceneTools } from '../src/surfaces/library.js';
import { call, connect, STORY, sandboxRuntime } from './helpers/mcp.js';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe.each(['legacy', 'modern'] as const)(
  'elicitation answers are bound to the question (%s era)',
  (era) => {
    it('a token shown to the model plus a forged accept spends nothing', async () => {
      const rt = await sandboxRuntime();
      open.push(rt);
      const plain = await connect(rt, { era }); // cannot elicit: quotes go to the model
      open.push(plain);
      const asker = await connect(rt, { era, elicit: () => ({ action: 'decline' }) }); // the person would decline
      open.push(asker);
      const r = await call(plain, 'create_story', { story_idea: STORY, num_scenes: 3 });
      const id = (r.structuredContent!.project as { id: number }).id;
      const q = await call(plain, 'approve_project', { project_id: id });
      const token = (q.structuredContent!.quote as { quote_token: string }).quote_token;

      await asker.client
        .request({
          method: 'tools/call',
          params: {
            name: 'approve_project',
            arguments: { project_id: id },
            inputResponses: { consent: { action: 'accept', content: { confirm: true } } },
            requestState: token,
          },
        } as never)
        .catch(() => undefined);

      expect(asker.asked).toHaveLength(0); // nobody was asked…
      expect(rt.sandbox!.ledger().entries).toEqual([]); // …so nothing is spent
    });
  },
);

describe('confirmSpend answers', () => {
  it('a callback that resolves a truthy non-true value ("no") must not spend', async () => {
    const sb = await startSandbox({ timeScale: 400 });
    open.push(sb);
    const tools = createSceneTools({
      token: sb.token,
      baseUrl: sb.url,
      personId: 1,
      confirmSpend: async () => 'no' as unknown as boolean,
    });
    open.push(tools);
    const r = await tools.execute('create_story', { story_idea: STORY, num_scenes: 2 });
    const id = (r.structured!.project as { id: number }).id;
    await tools.execute('approve_project', { project_id: id });
    expect(sb.ledger().entries).toEqual([]);
  });
});
