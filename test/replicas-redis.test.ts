/**
 * Replicas sharing one Redis, proved on the sandbox's ledger: separate server processes, calls spread
 * over them, restarts in between. The sandbox runs here; the replicas reach it over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { describeWithRedis, type RedisServer, startRedis } from './helpers/redis-server.js';
import { callTool, type Replica, startReplica, textOf } from './helpers/replicas.js';

const TOKEN = `sbx-replicas-${randomBytes(8).toString('hex')}`;
const QUOTE_KEY = randomBytes(32).toString('hex');
const IDEA = 'A night-shift nurse and a lonely radio host trade messages through late-night song requests.';

describeWithRedis('replicas on one Redis', () => {
  let redis: RedisServer;
  let sb: Sandbox;
  let replicas: Replica[] = [];

  const start = async (extra: Record<string, string> = {}) => {
    const env = {
      TWIN_API_URL: sb.url,
      TWIN_API_TOKEN: TOKEN,
      TWIN_STORE: redis.url,
      TWIN_QUOTE_KEY: QUOTE_KEY,
      TWIN_PERSON_ID: '1',
      ...extra,
    };
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(env)));
  };
  const stopAll = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas = [];
  };
  const at = (i: number) => replicas[i % replicas.length]!;
  const charged = (kind: string) => sb.ledger().entries.filter((e) => e.kind === kind);

  const draft = async (scenes = 2) => {
    const r = await callTool(at(0), 'create_story', { story_idea: IDEA, num_scenes: scenes });
    expect(r.isError, textOf(r)).toBeFalsy();
    return (r.structuredContent!.project as { id: number }).id;
  };
  const quote = async (replica: Replica, tool: string, args: Record<string, unknown>) => {
    const r = await callTool(replica, tool, args);
    expect(r.structuredContent, textOf(r)).toMatchObject({ outcome: 'quote' });
    return r.structuredContent!.quote as { quote_token: string; credits: number };
  };
  const completed = async (id: number) => {
    await expect
      .poll(async () => (await callTool(at(1), 'get_status', { project_id: id })).structuredContent?.done, {
        timeout: 30_000,
        interval: 100,
      })
      .toBe(true);
  };

  beforeAll(async () => {
    redis = await startRedis();
    sb = await startSandbox({ token: TOKEN, credits: 1_000_000, timeScale: 40 });
  });
  afterAll(async () => {
    await stopAll();
    await sb?.close();
    await redis?.close();
  });

  it('200 concurrent redemptions of one quote over 3 replicas spend once; a replay is refused elsewhere and after a restart', async () => {
    await start();
    const id = await draft(2);
    const approve = await quote(at(0), 'approve_project', { project_id: id });
    const ok = await callTool(at(1), 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token: approve.quote_token,
      max_credits: approve.credits,
    });
    expect(ok.structuredContent, textOf(ok)).toMatchObject({ outcome: 'started', credits: 200 });
    await completed(id);

    // A regeneration can be bought again and again: only single use stops a replay.
    const args = { project_id: id, scene_number: 1 };
    const q = await quote(at(2), 'regenerate_scene', args);
    const confirm = { ...args, confirm_credits: true, quote_token: q.quote_token, max_credits: q.credits };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => callTool(at(i), 'regenerate_scene', confirm)),
    );
    const started = results.filter((r) => r.structuredContent?.outcome === 'started');
    expect(started, textOf(results[0]!)).toHaveLength(1);
    for (const r of results)
      if (r !== started[0]) expect(r.structuredContent?.outcome ?? 'error').not.toBe('started');
    expect(charged('regenerate')).toHaveLength(1);
    await completed(id);

    const replayed = await Promise.all([0, 1, 2].map((i) => callTool(at(i), 'regenerate_scene', confirm)));
    for (const r of replayed) {
      expect(r.structuredContent, textOf(r)).toMatchObject({ outcome: 'refused' });
      expect(textOf(r)).toMatch(/already used/);
    }
    await stopAll();
    await start();
    const afterRestart = await callTool(at(2), 'regenerate_scene', confirm);
    expect(afterRestart.structuredContent, textOf(afterRestart)).toMatchObject({ outcome: 'refused' });
    expect(textOf(afterRestart)).toMatch(/already used/);
    expect(charged('regenerate')).toHaveLength(1);
    await stopAll();
  }, 120_000);

  it('a credit limit of 250 holds under concurrent spends over the replicas, and after they all restart', async () => {
    const db = createClient({ url: redis.url });
    await db.connect();
    await db.flushAll(); // a fresh account state: the limit counts from zero
    await db.close();
    const before = sb.ledger().spent;
    await start({ TWIN_CREDIT_LIMIT: '250' });
    const ids = await Promise.all(Array.from({ length: 9 }, () => draft(2)));
    const quotes = await Promise.all(ids.map((id, i) => quote(at(i), 'approve_project', { project_id: id })));
    const results = await Promise.all(
      ids.map((id, i) =>
        callTool(at(i + 1), 'approve_project', {
          project_id: id,
          confirm_credits: true,
          quote_token: quotes[i]!.quote_token,
          max_credits: quotes[i]!.credits,
        }),
      ),
    );
    const outcomes = results.map((r) => r.structuredContent?.outcome);
    expect(
      outcomes.filter((o) => o === 'started'),
      results.map(textOf).join('\n---\n'),
    ).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(8);
    expect(sb.ledger().spent - before).toBe(200);

    await stopAll();
    await start({ TWIN_CREDIT_LIMIT: '250' });
    const id = await draft(2);
    const q = await callTool(at(2), 'approve_project', { project_id: id });
    const confirm = await callTool(at(0), 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token:
        (q.structuredContent?.quote as { quote_token?: string } | undefined)?.quote_token ?? 'none',
      max_credits: 200,
    });
    expect(confirm.structuredContent?.outcome, textOf(confirm)).not.toBe('started');
    expect(`${textOf(q)}\n${textOf(confirm)}`).toMatch(/credit limit/);
    expect(sb.ledger().spent - before).toBe(200);
  }, 120_000);
});
