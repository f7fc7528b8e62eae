/**
 * Replicas following one project poll it once between them: 30 followers (get_status waiting for the
 * end) spread over 3 server processes on one Redis; the sandbox's request log is what upstream sees.
 * Killing the replica that polls hands the polling to another within two intervals.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { accountKey, projectPollKey } from '../src/store/locks.js';
import { describeWithRedis, type RedisServer, startRedis } from './helpers/redis-server.js';
import { callTool, type Replica, startReplica, type ToolResult, textOf } from './helpers/replicas.js';

const TOKEN = `sbx-polling-${randomBytes(8).toString('hex')}`;
const INTERVAL = 400;

describeWithRedis('shared polling over replicas', () => {
  let redis: RedisServer;
  let sb: Sandbox;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // Time scale 1: four scenes take about 8.2 s, some 20 poll intervals.
    sb = await startSandbox({ token: TOKEN, credits: 100_000, timeScale: 1 });
    const env = {
      TWIN_API_URL: sb.url,
      TWIN_API_TOKEN: TOKEN,
      TWIN_STORE: redis.url,
      TWIN_QUOTE_KEY: randomBytes(32).toString('hex'),
      TWIN_PERSON_ID: '1',
      TWIN_POLL_INTERVAL_MS: String(INTERVAL),
    };
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(env)));
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await sb?.close();
    await redis?.close();
  });

  /** Times (ms) of the upstream status reads of one project, oldest first. */
  const statusReads = (id: number) =>
    sb
      .requests()
      .filter((r) => r.method === 'GET' && r.path.endsWith(`/scene-projects/${id}/status`))
      .map((r) => r.at);

  it('30 followers over 3 replicas cost one status read per interval; a dead poller is replaced within two', async () => {
    const [r0, r1] = replicas as [Replica, Replica];
    const draft = await callTool(r0, 'create_story', {
      story_idea: 'A clockmaker builds a heart for a tin bird.',
      num_scenes: 4,
    });
    const id = (draft.structuredContent!.project as { id: number }).id;
    const q = await callTool(r1, 'approve_project', { project_id: id });
    const quote = q.structuredContent!.quote as { quote_token: string; credits: number };
    const ok = await callTool(r0, 'approve_project', {
      project_id: id,
      confirm_credits: true,
      quote_token: quote.quote_token,
      max_credits: quote.credits,
    });
    expect(ok.structuredContent, textOf(ok)).toMatchObject({ outcome: 'started' });

    // A 2026-era listen stream on each replica hears every change once, whichever replica polled.
    const uri = `scene-projects://projects/${id}`;
    const heard = new Map<Replica, number>(replicas.map((r) => [r, 0]));
    for (const r of replicas) {
      r.client.setNotificationHandler('notifications/resources/updated', (n) => {
        if (n.params.uri === uri) heard.set(r, heard.get(r)! + 1);
      });
    }
    const streams = await Promise.all(replicas.map((r) => r.client.listen({ resourceSubscriptions: [uri] })));
    const readsBefore = statusReads(id).length;

    const followers = Array.from({ length: 30 }, (_, i) => {
      const replica = replicas[i % 3]!;
      const call = callTool(replica, 'get_status', { project_id: id, wait_seconds: 50, until: 'done' });
      return { replica, call: call.catch((err: Error) => err) };
    });

    // Past the followers' first reads, the replicas' polls alone: the spacing of the latest 6.
    const base = statusReads(id).length;
    await expect
      .poll(() => statusReads(id).length, { timeout: 20_000, interval: 20 })
      .toBeGreaterThanOrEqual(base + 10);
    const polls = statusReads(id).slice(-6);
    const perInterval = (polls.at(-1)! - polls[0]!) / (polls.length - 1);
    // Three replicas polling on their own would read about every INTERVAL / 3.
    expect(perInterval, `status reads at ${polls.join(', ')}`).toBeGreaterThan(INTERVAL * 0.8);

    // The replica that polls, by the lease in Redis (its value names host, pid and a nonce).
    const db = createClient({ url: redis.url });
    await db.connect();
    const lease = await db.get(`spmcp:v1:lease:${projectPollKey(accountKey(TOKEN), id)}`);
    await db.close();
    const pid = Number(lease?.split('|')[1]?.split(':').at(-2));
    const poller = replicas.find((r) => r.pid === pid);
    expect(poller, `lease ${lease}`).toBeDefined();
    await poller!.stop('SIGKILL');
    const killedAt = Date.now();
    const lastBefore = statusReads(id)
      .filter((t) => t <= killedAt)
      .at(-1)!;
    await expect
      .poll(() => statusReads(id).filter((t) => t > killedAt).length, { timeout: 10_000, interval: 20 })
      .toBeGreaterThan(0);
    const firstAfter = statusReads(id).find((t) => t > killedAt)!;
    // The poll it missed was due one interval after its last; another replica polls within two more.
    expect(firstAfter - lastBefore).toBeLessThanOrEqual(INTERVAL * 3);

    for (const f of followers.filter((x) => x.replica !== poller)) {
      const r = (await f.call) as ToolResult;
      expect(r.structuredContent, textOf(r)).toMatchObject({ done: true, status: { status: 'completed' } });
    }
    const reads = statusReads(id).length - readsBefore;
    for (const r of replicas.filter((x) => x !== poller)) {
      // Every change heard, none per replica: about one notification per upstream read (one change
      // may be heard twice at the failover), where each replica publishing its own would give three.
      await expect.poll(() => heard.get(r), { timeout: 5000 }).toBeGreaterThanOrEqual(4);
      expect(heard.get(r)).toBeLessThanOrEqual(reads + 1);
    }
    await Promise.all(streams.map((st) => st.close().catch(() => {})));
  }, 90_000);
});
