/**
 * Review: the elicitation answer is not bound to a question this server asked.
 *
 * 1. A quote token minted on the `arguments` channel (shown to the model in the quote's text and
 *    structuredContent) is accepted as the `requestState` of an elicitation answer; and a 2025-era
 *    connection accepts `inputResponses`/`requestState` in its very first tools/call (they do not
 *    exist in that protocol): the person is never asked, yet credits are spent. It takes a
 *    non-conforming client or proxy (the model alone cannot set these params), but it breaks "the
 *    server asks the person directly" for hosts that can elicit.
 * 2. The library's confirmSpend is read for truthiness: a callback that resolves "no" spends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../src/sandbox/index.js';
import { createSceneTools } from '../src/surfaces/library.js';
import { call, connect, STORY, sandboxRuntime } from './helpers/mcp.js';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

describe.each(['legacy', 'modern'] as const)('review: elicitation answer binding (%s era)', (era) => {
  it.fails('an arguments-channel token + a forged accept spends with no question asked', async () => {
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
    expect(rt.sandbox!.ledger().entries).toEqual([]); // …so nothing may be spent (today: 300)
  });
});

describe('review: confirmSpend answer', () => {
  it.fails('a callback that resolves a truthy non-true value ("no") must not spend', async () => {
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
    expect(sb.ledger().entries).toEqual([]); // today: 200 spent
  });
});
