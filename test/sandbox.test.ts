import { afterEach, describe, expect, it, vi } from 'vitest';
import { approveCost } from '../src/api/pricing.js';
import { runSandboxCommand } from '../src/sandbox/cli.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../src/sandbox/index.js';

const IDEA =
  "A startup founder's journey from coding in a garage to ringing the IPO bell at NASDAQ. Show the highs and lows of building a company.";
const TOKEN = 'test-token-123';

let open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

/** A sandbox on a hand-driven clock: time moves only when the test says so. */
async function sandbox(opts: SandboxOptions = {}) {
  let now = Date.UTC(2024, 2, 20, 10, 0, 0);
  const sb = await startSandbox({ token: TOKEN, clock: () => now, ...opts });
  open.push(sb);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sb.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests poke at loosely shaped JSON
    const json: any = text ? JSON.parse(text) : undefined;
    return { status: res.status, json, headers: res.headers };
  };
  const create = async (extra: Record<string, unknown> = {}) => {
    const r = await call('POST', '/stories/create', {
      person_id: 1,
      story_idea: IDEA,
      num_scenes: 5,
      ...extra,
    });
    expect(r.status).toBe(201);
    return r.json as { id: number };
  };
  const complete = async (id: number) => {
    expect((await call('POST', `/scene-projects/${id}/approve`, { confirm_credits: true })).status).toBe(202);
    now += 60_000;
    expect((await call('GET', `/scene-projects/${id}/status`)).json.status).toBe('completed');
  };
  return {
    sb,
    call,
    create,
    complete,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('sandbox: create, read, list', () => {
  it('creates a story with the reference create shape', async () => {
    const { call } = await sandbox();
    const r = await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json).sort()).toEqual(
      ['created_at', 'id', 'num_scenes', 'person_id', 'scenes', 'status', 'story_idea'].sort(),
    );
    expect(r.json).toMatchObject({ status: 'proposed', num_scenes: 5, person_id: 1, story_idea: IDEA });
    expect(r.json.created_at).toBe('2024-03-20T10:00:00.000Z');
    expect(r.json.scenes).toHaveLength(5);
    for (const [i, s] of r.json.scenes.entries()) {
      expect(s).not.toHaveProperty('id');
      expect(s).toMatchObject({ scene_number: i + 1, status: 'pending' });
      expect(s.image_prompt).toMatch(/^Photorealistic, .*cinematic, 8K$/);
      expect(typeof s.motion_prompt).toBe('string');
      expect(s.narration_text.length).toBeGreaterThan(10);
    }
  });

  it('writes deterministic proposals that use the idea', async () => {
    const { call } = await sandbox();
    const a = await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 4 });
    const b = await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 4 });
    const c = await call('POST', '/stories/create', {
      person_id: 1,
      story_idea: 'A lighthouse keeper befriends a whale',
    });
    expect(a.json.scenes).toEqual(b.json.scenes);
    expect(c.json.scenes[0].description).not.toEqual(a.json.scenes[0].description);
    const text = JSON.stringify(a.json.scenes);
    for (const word of ['garage', 'NASDAQ', 'founder']) expect(text).toContain(word);
    expect(a.json.scenes[0].description).toMatch(/founder/);
    expect(a.json.scenes[2].description).toMatch(/climax|decisive/i);
    expect(JSON.stringify(c.json.scenes)).toMatch(/lighthouse|whale/);

    const avatar = await call('POST', '/stories/create', {
      person_id: 1,
      story_idea: IDEA,
      num_scenes: 3,
      use_avatar_first_scene: true,
      use_avatar_last_scene: true,
    });
    expect(avatar.json.scenes[0].description).toMatch(/^Talking head/);
    expect(avatar.json.scenes[2].description).toMatch(/^Talking head/);
    expect(avatar.json.scenes[1].description).not.toMatch(/^Talking head/);
  });

  it('answers the full project object, with globally unique scene ids', async () => {
    const { call, create } = await sandbox();
    const p1 = await create({ num_scenes: 2 });
    const p2 = await create({ num_scenes: 3, use_avatar_first_scene: true });
    const r = await call('GET', `/scene-projects/${p2.id}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: p2.id,
      description: expect.stringContaining('startup founder'),
      ideas: IDEA,
      status: 'proposed',
      progress: 0,
      person_id: 1,
      user_id: 1,
      final_video_url: null,
      final_video_url_upscaled: null,
      total_duration_seconds: null,
      use_avatar_first_scene: true,
      use_avatar_last_scene: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(r.json.scenes[0]).toEqual({
      id: expect.any(Number),
      scene_number: 1,
      description: expect.any(String),
      image_prompt: expect.any(String),
      motion_prompt: expect.any(String),
      narration_text: expect.any(String),
      image_url: null,
      video_url: null,
      status: 'pending',
    });
    const first = (await call('GET', `/scene-projects/${p1.id}`)).json;
    const ids = [...first.scenes, ...r.json.scenes].map((s: { id: number }) => s.id);
    expect(new Set(ids).size).toBe(5);
  });

  it('lists projects with person and status filters', async () => {
    const { call, create } = await sandbox({ personIds: [1, 2] });
    const a = await create();
    const b = await create({ person_id: 2 });
    await call('POST', `/scene-projects/${b.id}/approve`, { confirm_credits: true });
    const all = await call('GET', '/scene-projects');
    expect(all.status).toBe(200);
    expect(all.json.map((p: { id: number }) => p.id)).toEqual([a.id, b.id]);
    expect((await call('GET', '/scene-projects?person_id=2')).json.map((p: { id: number }) => p.id)).toEqual([
      b.id,
    ]);
    expect(
      (await call('GET', '/scene-projects?status_filter=proposed')).json.map((p: { id: number }) => p.id),
    ).toEqual([a.id]);
    expect((await call('GET', '/scene-projects?status_filter=completed')).json).toEqual([]);
    expect((await call('GET', '/scene-projects?person_id=x')).status).toBe(422);
  });

  it('starts in creating when creatingSeconds is set, then proposes', async () => {
    const { call, advance } = await sandbox({ creatingSeconds: 5, timeScale: 1 });
    const r = await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA });
    expect(r.json).toMatchObject({ status: 'creating', scenes: [] });
    expect(
      (await call('POST', `/scene-projects/${r.json.id}/approve`, { confirm_credits: true })).status,
    ).toBe(400);
    advance(5000);
    const p = await call('GET', `/scene-projects/${r.json.id}`);
    expect(p.json.status).toBe('proposed');
    expect(p.json.scenes).toHaveLength(5);
    expect(p.json.updated_at).toBe('2024-03-20T10:00:05.000Z');
  });
});

describe('sandbox: errors and refusals', () => {
  it('validates like a FastAPI service', async () => {
    const { sb, call } = await sandbox();
    const missing = await call('POST', '/stories/create', {});
    expect(missing.status).toBe(422);
    expect(missing.json.detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ loc: ['body', 'person_id'], type: 'missing', msg: 'Field required' }),
        expect.objectContaining({ loc: ['body', 'story_idea'], type: 'missing' }),
      ]),
    );
    const short = await call('POST', '/stories/create', { person_id: 1, story_idea: 'too short' });
    expect(short.status).toBe(400);
    expect(short.json.detail[0]).toMatchObject({ loc: ['body', 'story_idea'], type: 'string_too_short' });
    const long = await call('POST', '/stories/create', { person_id: 1, story_idea: 'x'.repeat(1001) });
    expect(long.status).toBe(400);
    expect(
      (await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 11 })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 1 })).status,
    ).toBe(400);
    const frac = await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 2.5 });
    expect(frac.status).toBe(422);
    expect(frac.json.detail[0]).toMatchObject({ loc: ['body', 'num_scenes'], type: 'int_from_float' });
    expect((await call('POST', '/stories/create', { person_id: 'one', story_idea: IDEA })).status).toBe(422);
    const bad = await call('POST', '/stories/create', '{"person_id": 1,');
    expect(bad.status).toBe(422);
    expect(bad.json.detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    expect((await call('POST', '/stories/create', '[1,2]')).status).toBe(422);
    const person = await call('POST', '/stories/create', { person_id: 7, story_idea: IDEA });
    expect(person).toMatchObject({ status: 404, json: { detail: 'Person 7 not found' } });
    expect(await call('GET', '/scene-projects/99')).toMatchObject({
      status: 404,
      json: { detail: 'Project 99 not found' },
    });
    expect((await call('GET', '/scene-projects/abc')).json.detail[0]).toMatchObject({ loc: ['path', 'id'] });
    expect(await call('GET', '/nope')).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
    expect((await call('DELETE', '/scene-projects/1')).status).toBe(405);
    expect(sb.ledger()).toEqual({ balance: 1000, spent: 0, entries: [] });
  });

  it('refuses a missing or wrong token without echoing it', async () => {
    const { sb } = await sandbox();
    const none = await fetch(`${sb.url}/scene-projects`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ detail: 'Not authenticated' });
    const wrong = await fetch(`${sb.url}/scene-projects`, {
      headers: { authorization: 'Bearer s3cret-guess' },
    });
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(text).not.toContain('s3cret-guess');
    expect(text).not.toContain(TOKEN);
    const post = await fetch(`${sb.url}/stories/create`, {
      method: 'POST',
      body: JSON.stringify({ person_id: 1, story_idea: IDEA }),
    });
    expect(post.status).toBe(401);
    expect((await fetch(`${sb.origin}/_sandbox/ledger`)).status).toBe(200);
  });

  it('caps bodies at 1 MB with 413', async () => {
    const { call } = await sandbox();
    const huge = JSON.stringify({ person_id: 1, story_idea: 'x'.repeat(1_200_000) });
    const r = await call('POST', '/stories/create', huge);
    expect(r.status).toBe(413);
    expect((await call('GET', '/scene-projects')).status).toBe(200);
  });

  it('edits scenes by id before approval only', async () => {
    const { sb, call, create } = await sandbox();
    const p = await create();
    const other = await create({ num_scenes: 2 });
    const scenes = (await call('GET', `/scene-projects/${p.id}`)).json.scenes;
    const before = (await call('GET', `/scene-projects/${p.id}`)).json.updated_at;
    const r = await call('PUT', `/scene-projects/${p.id}/scenes/${scenes[1].id}`, {
      narration_text: 'Updated narration for scene 2.',
      image_prompt: 'Photorealistic, sharper, cinematic, 8K',
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: scenes[1].id,
      scene_number: 2,
      narration_text: 'Updated narration for scene 2.',
      image_prompt: 'Photorealistic, sharper, cinematic, 8K',
      description: scenes[1].description,
    });
    const after = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(after.scenes[1].narration_text).toBe('Updated narration for scene 2.');
    expect(after.updated_at).not.toBe(before);

    const otherScene = (await call('GET', `/scene-projects/${other.id}`)).json.scenes[0].id;
    expect(
      (await call('PUT', `/scene-projects/${p.id}/scenes/${otherScene}`, { description: 'x y z' })).status,
    ).toBe(404);
    expect((await call('PUT', `/scene-projects/${p.id}/scenes/1`, { description: 5 })).status).toBe(422);

    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    const late = await call('PUT', `/scene-projects/${p.id}/scenes/${scenes[0].id}`, {
      description: 'Too late now',
    });
    expect(late.status).toBe(400);
    expect(late.json.detail).toMatch(/before approval/);
    expect(sb.ledger().spent).toBe(500);
  });

  it('approves only with confirm_credits true, in proposed state, with enough credits', async () => {
    const { sb, call, create } = await sandbox({ credits: 320 });
    const p = await create();
    for (const body of [{ confirm_credits: false }, {}, undefined]) {
      const r = await call('POST', `/scene-projects/${p.id}/approve`, body);
      expect(r.status).toBe(400);
      expect(r.json.detail).toMatch(/confirm_credits/);
    }
    expect((await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: 'maybe' })).status).toBe(
      422,
    );
    const short = await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    expect(short).toMatchObject({
      status: 403,
      json: { detail: 'Insufficient credits: 500 required, 320 available' },
    });
    expect((await call('POST', '/scene-projects/99/approve', { confirm_credits: true })).status).toBe(404);
    expect(sb.ledger()).toEqual({ balance: 320, spent: 0, entries: [] });
    expect((await call('GET', `/scene-projects/${p.id}`)).json.status).toBe('proposed');

    sb.setCredits(1000);
    const ok = await call('POST', `/scene-projects/${p.id}/approve`, {
      confirm_credits: true,
      video_model: 'kling-2.6-pro',
    });
    expect(ok.status).toBe(202);
    expect(ok.json).toEqual({
      id: p.id,
      status: 'generating',
      progress: 0,
      message: `Video generation started. Use GET /scene-projects/${p.id}/status to track progress.`,
    });
    expect(sb.ledger()).toMatchObject({
      balance: 500,
      spent: 500,
      entries: [{ project_id: p.id, kind: 'approve', credits: approveCost(5) }],
    });
    const again = await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    expect(again.status).toBe(400);
    expect(again.json.detail).toMatch(/not in proposed state/);
    expect(sb.ledger().spent).toBe(500);
  });
});

describe('sandbox: status machine', () => {
  it('walks a generation through every step to completed on a hand-driven clock', async () => {
    const { call, create, advance } = await sandbox();
    const p = await create();
    const proposed = await call('GET', `/scene-projects/${p.id}/status`);
    expect(proposed.json).toEqual({ id: p.id, status: 'proposed', progress: 0 });
    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    const status = async () => (await call('GET', `/scene-projects/${p.id}/status`)).json;

    let s = await status();
    expect(s).toMatchObject({ status: 'generating', progress: 0, current_step: 'generating_scene_images' });
    expect(s.scenes[0]).toEqual({ scene_number: 1, image_status: 'generating', video_status: 'pending' });
    expect(s.scenes[1]).toEqual({ scene_number: 2, image_status: 'pending', video_status: 'pending' });

    advance(700); // scene 1 image done, scene 2 image under way
    s = await status();
    expect(s.scenes[0]).toMatchObject({
      image_status: 'completed',
      image_url: expect.stringMatching(/\.jpg$/),
    });
    expect(s.scenes[1]).toMatchObject({ image_status: 'generating' });
    expect(s.scenes[1]).not.toHaveProperty('image_url');

    advance(2300); // t = 3.0 s: all images done, videos begin
    s = await status();
    expect(s).toMatchObject({ current_step: 'generating_scene_videos', progress: 30 });
    expect(s.scenes[0]).toMatchObject({ image_status: 'completed', video_status: 'generating' });

    advance(3900); // t = 6.9 s: scenes 1–3 videos done, scene 4 rendering
    s = await status();
    expect(s.progress).toBe(69);
    expect(s.scenes.map((x: { video_status: string }) => x.video_status)).toEqual([
      'completed',
      'completed',
      'completed',
      'generating',
      'pending',
    ]);
    expect(s.scenes[2].video_url).toMatch(/\.mp4$/);
    const mid = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(mid).toMatchObject({
      status: 'generating',
      current_step: 'generating_scene_videos',
      progress: 69,
    });
    expect(mid.scenes[2]).toMatchObject({ status: 'completed', video_url: expect.any(String) });
    expect(mid.scenes[3]).toMatchObject({ status: 'generating', video_url: null });

    advance(2500); // t = 9.4 s
    s = await status();
    expect(s).toMatchObject({ status: 'generating', current_step: 'stitching_final_video', progress: 94 });

    advance(600); // t = 10 s
    s = await status();
    expect(s).toEqual({
      id: p.id,
      status: 'completed',
      progress: 100,
      final_video_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/media\/.+\.mp4$/),
      total_duration_seconds: 50,
      credits_used: 500,
    });
    const done = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(done).toMatchObject({ status: 'completed', progress: 100, total_duration_seconds: 50 });
    expect(done).not.toHaveProperty('current_step');
    expect(done.updated_at).toBe('2024-03-20T10:00:10.000Z');
    expect(done.scenes.every((x: { status: string }) => x.status === 'completed')).toBe(true);
  });

  it('scales with scene count and time scale', async () => {
    const { call, create, advance } = await sandbox({ timeScale: 10 });
    const p = await create({ num_scenes: 2 });
    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    advance(460); // 2 scenes: 1.2 + 2.4 + 1 = 4.6 simulated s, 0.46 s at 10×
    const s = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(s).toMatchObject({ status: 'completed', total_duration_seconds: 20, credits_used: 200 });
  });

  it('fails the current generation on failProject, and the next one when idle', async () => {
    const { sb, call, create, advance } = await sandbox();
    const p = await create();
    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    advance(4000);
    sb.failProject(p.id);
    const s = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(s).toMatchObject({ status: 'failed', progress: 40, error: expect.stringMatching(/scene 1/) });
    expect(s.scenes[0]).toMatchObject({ image_status: 'completed', video_status: 'failed' });
    expect(s.scenes[1]).toMatchObject({ video_status: 'pending' });
    expect((await call('GET', `/scene-projects/${p.id}`)).json).toMatchObject({
      status: 'failed',
      error: s.error,
    });
    advance(60_000);
    expect((await call('GET', `/scene-projects/${p.id}/status`)).json.status).toBe('failed');
    expect((await call('POST', `/scene-projects/${p.id}/upscale`)).status).toBe(400);

    // A regeneration after failure also renders whatever never finished.
    const r = await call('POST', `/scene-projects/${p.id}/scenes/1/regenerate`, {});
    expect(r.json).toMatchObject({ status: 'generating', credits_charged: 100 });
    advance(60_000);
    const fixed = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(fixed.status).toBe('completed');
    expect(fixed).not.toHaveProperty('error');
    expect(fixed.scenes.every((x: { video_url: string | null }) => x.video_url)).toBe(true);

    const q = await create({ num_scenes: 2 });
    sb.failProject(q.id);
    await call('POST', `/scene-projects/${q.id}/approve`, { confirm_credits: true });
    advance(1000);
    expect((await call('GET', `/scene-projects/${q.id}/status`)).json.status).toBe('generating');
    advance(60_000);
    expect((await call('GET', `/scene-projects/${q.id}/status`)).json.status).toBe('failed');
  });

  it('passes patched fields and unknown statuses through', async () => {
    const { sb, call, create } = await sandbox();
    const p = await create();
    sb.patchProject(p.id, { status: 'queued_for_review', mood: 'noir', progress: 3 });
    const project = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(project).toMatchObject({ status: 'queued_for_review', mood: 'noir', progress: 3 });
    const status = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(status).toMatchObject({ status: 'queued_for_review', mood: 'noir', progress: 3 });
    expect((await call('GET', '/scene-projects?status_filter=queued_for_review')).json).toHaveLength(1);
  });
});

describe('sandbox: regenerate and upscale', () => {
  it('regenerates a completed scene by number, charging per pricing', async () => {
    const { sb, call, create, advance } = await sandbox();
    const p = await create();
    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    const early = await call('POST', `/scene-projects/${p.id}/scenes/3/regenerate`, {});
    expect(early.status).toBe(400);
    advance(60_000);
    const before = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(before.status).toBe('completed');

    expect((await call('POST', `/scene-projects/${p.id}/scenes/9/regenerate`, {})).status).toBe(404);
    const none = await call('POST', `/scene-projects/${p.id}/scenes/3/regenerate`, {
      regenerate_image: false,
      regenerate_video: false,
    });
    expect(none.status).toBe(400);
    expect(sb.ledger().spent).toBe(500);

    const r = await call('POST', `/scene-projects/${p.id}/scenes/3/regenerate`, {
      regenerate_image: true,
      regenerate_video: true,
      updated_image_prompt: 'More dramatic lighting, intense expression',
      updated_motion_prompt: 'Whip pan to the bell',
    });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ id: p.id, status: 'generating', scene_number: 3, credits_charged: 100 });
    expect(sb.ledger()).toMatchObject({ balance: 400, spent: 600 });
    expect(sb.ledger().entries[1]).toMatchObject({ kind: 'regenerate', credits: 100, scene_number: 3 });

    const during = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(during.status).toBe('generating');
    expect(during.updated_at).not.toBe(before.updated_at);
    expect(during.scenes[2]).toMatchObject({
      image_prompt: 'More dramatic lighting, intense expression',
      motion_prompt: 'Whip pan to the bell',
      status: 'generating',
    });
    const st = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(st.scenes[2]).toMatchObject({ image_status: 'generating', video_status: 'pending' });
    expect(st.scenes[0]).toMatchObject({ image_status: 'completed', video_status: 'completed' });

    advance(2700);
    expect((await call('GET', `/scene-projects/${p.id}/status`)).json.current_step).toBe(
      'stitching_final_video',
    );
    advance(100);
    const after = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(after).toMatchObject({ status: 'completed', credits_used: 600 });
    expect(after.final_video_url).not.toBe(before.final_video_url);
    const scenes = (await call('GET', `/scene-projects/${p.id}`)).json.scenes;
    expect(scenes[2].image_url).not.toBe(before.scenes[2].image_url);
    expect(scenes[0].image_url).toBe(before.scenes[0].image_url);

    const img = await call('POST', `/scene-projects/${p.id}/scenes/1/regenerate`, {
      regenerate_video: false,
    });
    expect(img.json.credits_charged).toBe(10);
    expect(sb.ledger().spent).toBe(610);
    advance(10_000);

    sb.setCredits(50);
    const poor = await call('POST', `/scene-projects/${p.id}/scenes/2/regenerate`, {});
    expect(poor).toMatchObject({
      status: 403,
      json: { detail: 'Insufficient credits: 100 required, 50 available' },
    });
    expect(sb.ledger()).toMatchObject({ balance: 50, spent: 610 });
  });

  it('upscales a completed project for free', async () => {
    const { sb, call, create, complete, advance } = await sandbox();
    const p = await create({ num_scenes: 2 });
    expect((await call('POST', `/scene-projects/${p.id}/upscale`)).status).toBe(400);
    await complete(p.id);
    const r = await call('POST', `/scene-projects/${p.id}/upscale`);
    expect(r).toMatchObject({
      status: 202,
      json: { id: p.id, status: 'upscaling', message: 'Upscaling started. This may take 5-10 minutes.' },
    });
    const s = (await call('GET', `/scene-projects/${p.id}/status`)).json;
    expect(s).toMatchObject({
      status: 'upscaling',
      current_step: 'upscaling_final_video',
      final_video_url: expect.any(String),
    });
    expect((await call('POST', `/scene-projects/${p.id}/upscale`)).status).toBe(400);
    advance(3000);
    const done = (await call('GET', `/scene-projects/${p.id}`)).json;
    expect(done).toMatchObject({
      status: 'completed',
      final_video_url_upscaled: expect.stringMatching(/upscaled\.mp4$/),
    });
    expect((await call('GET', `/scene-projects/${p.id}/status`)).json.final_video_url_upscaled).toBe(
      done.final_video_url_upscaled,
    );
    expect(sb.ledger()).toMatchObject({ balance: 800, spent: 200 });
    expect(sb.ledger().entries.at(-1)).toMatchObject({ kind: 'upscale', credits: 0 });
  });
});

describe('sandbox: media', () => {
  it('serves a scene JPEG (and its SVG) and playable MP4s without auth, with HEAD and Range', async () => {
    const { call, create, complete } = await sandbox();
    const p = await create({ num_scenes: 2 });
    const sceneId = (await call('GET', `/scene-projects/${p.id}`)).json.scenes[0].id;
    await call('PUT', `/scene-projects/${p.id}/scenes/${sceneId}`, {
      description: 'A duel of <chefs> & "critics"',
    });
    await complete(p.id);
    const project = (await call('GET', `/scene-projects/${p.id}`)).json;

    const jpg = await fetch(project.scenes[0].image_url);
    expect(jpg.status).toBe(200);
    expect(jpg.headers.get('content-type')).toBe('image/jpeg');
    const raster = Buffer.from(await jpg.arrayBuffer());
    expect([...raster.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    // Another scene's still differs (its own colours and number).
    const other = Buffer.from(await (await fetch(project.scenes[1].image_url)).arrayBuffer());
    expect(other.equals(raster)).toBe(false);

    const img = await fetch(project.scenes[0].image_url.replace(/\.jpg$/, '.svg'));
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await img.text();
    expect(svg).toContain('<svg');
    expect(svg).toContain('Scene 1');
    expect(svg).not.toContain('<chefs>');
    expect(svg).toContain('A duel of &lt;chefs&gt; &amp; &quot;critics&quot;');

    for (const url of [project.scenes[1].video_url, project.final_video_url]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
      expect(bytes.length).toBeLessThan(50_000);
    }
    const head = await fetch(project.final_video_url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    const part = await fetch(project.final_video_url, { headers: { range: 'bytes=0-7' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 0-7\/\d+$/);
    expect(
      Buffer.from(await part.arrayBuffer())
        .subarray(4)
        .toString('latin1'),
    ).toBe('ftyp');

    const missing = await fetch(project.final_video_url.replace(/_v1\.mp4$/, '_v9.mp4'));
    expect(missing.status).toBe(404);
  });
});

describe('sandbox: faults', () => {
  it('answers injected statuses with Retry-After, by count and by path', async () => {
    const { sb, call } = await sandbox();
    sb.injectFault({ fault: { kind: 'status', status: 429, retryAfterSeconds: 7 }, count: 1 });
    const limited = await call('GET', '/scene-projects');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.json).toEqual({ detail: 'Too Many Requests' });
    expect((await call('GET', '/scene-projects')).status).toBe(200);

    const remove = sb.injectFault({
      fault: { kind: 'status', status: 500 },
      method: 'POST',
      path: /\/stories\/create$/,
      rate: 1,
    });
    expect((await call('GET', '/scene-projects')).status).toBe(200);
    expect((await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA })).status).toBe(500);
    expect((await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA })).status).toBe(500);
    remove();
    expect((await call('POST', '/stories/create', { person_id: 1, story_idea: IDEA })).status).toBe(201);
    expect(sb.requests().map((r) => r.status)).toEqual([429, 200, 200, 500, 500, 201]);
    expect(sb.requests()[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/scene-projects',
      fault: 'status',
    });
  });

  it('resets before (nothing happens) and after (the charge stands)', async () => {
    const { sb, call, create } = await sandbox();
    const p = await create();
    sb.injectFault({ fault: { kind: 'reset', when: 'before' }, path: /\/approve$/, count: 1 });
    await expect(
      call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true }),
    ).rejects.toThrow();
    expect(sb.ledger().spent).toBe(0);
    expect((await call('GET', `/scene-projects/${p.id}`)).json.status).toBe('proposed');

    sb.injectFault({ fault: { kind: 'reset', when: 'after' }, path: /\/approve$/, count: 1 });
    await expect(
      call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true }),
    ).rejects.toThrow();
    expect(sb.ledger()).toMatchObject({ balance: 500, spent: 500 });
    expect((await call('GET', `/scene-projects/${p.id}`)).json.status).toBe('generating');
    const approves = sb.requests().filter((r) => r.path.endsWith('/approve'));
    expect(approves).toMatchObject([
      { status: 0, fault: 'reset' },
      { status: 0, fault: 'reset' },
    ]);
  });

  it('adds latency and hangs until the client gives up', async () => {
    const { sb, call } = await sandbox();
    sb.injectFault({ fault: { kind: 'latency', ms: 60 }, count: 1 });
    const t0 = performance.now();
    expect((await call('GET', '/scene-projects')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);

    sb.injectFault({ fault: { kind: 'hang', when: 'after' }, count: 1 });
    // The client gives up once the sandbox has handled the request (not after a fixed 100 ms, which a
    // busy machine may not reach the handler within), through a held controller: an unreferenced
    // AbortSignal.timeout can be collected before it fires, and the fetch then waits forever.
    const giveUp = new AbortController();
    const posted = fetch(`${sb.url}/stories/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ person_id: 1, story_idea: IDEA }),
      signal: giveUp.signal,
    });
    await vi.waitFor(() => expect(sb.requests().at(-1)).toMatchObject({ method: 'POST', fault: 'hang' }), {
      timeout: 10_000,
    });
    giveUp.abort();
    await expect(posted).rejects.toThrow();
    expect((await call('GET', '/scene-projects')).json).toHaveLength(1);

    sb.injectFault({ fault: { kind: 'hang', when: 'before' }, count: 1 });
    const hung = fetch(`${sb.url}/scene-projects`, { headers: { authorization: `Bearer ${TOKEN}` } }).catch(
      (e) => e,
    );
    await vi.waitFor(() => expect(sb.requests().at(-1)?.fault).toBe('hang'));
    const t1 = performance.now();
    await sb.close();
    expect(performance.now() - t1).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
  });
});

describe('sandbox: ledger endpoint and CLI', () => {
  it('serves the ledger outside /api/v1 without auth', async () => {
    const { sb, call, create } = await sandbox();
    const p = await create({ num_scenes: 3 });
    await call('POST', `/scene-projects/${p.id}/approve`, { confirm_credits: true });
    const res = await fetch(`${sb.origin}/_sandbox/ledger`);
    expect(await res.json()).toEqual({
      balance: 700,
      spent: 300,
      entries: [{ at: '2024-03-20T10:00:00.000Z', project_id: p.id, kind: 'approve', credits: 300 }],
    });
  });

  it('runSandboxCommand prints the URL, token and a curl hint', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const sb = await runSandboxCommand({ port: 0, tokens: ['cli-token'] });
      open.push(sb);
      const out = write.mock.calls.map((c) => String(c[0])).join('');
      expect(out).toContain(`Scene Projects sandbox at http://127.0.0.1:${sb.port}/api/v1`);
      expect(out).toContain('token: cli-token');
      expect(out).toMatch(/curl -H "Authorization: Bearer cli-token"/);
      const res = await fetch(`${sb.url}/scene-projects`, { headers: { authorization: 'Bearer cli-token' } });
      expect(res.status).toBe(200);
    } finally {
      write.mockRestore();
    }
  });
});

describe('sandbox: several accounts', () => {
  const A = 'account-a-token';
  const B = 'account-b-token';

  it('gives each token its own projects and ledger; ids are unique across accounts', async () => {
    const sb = await startSandbox({ accounts: [{ token: A }, { token: B, credits: 500 }] });
    open.push(sb);
    const as = (token: string) => async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sb.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // biome-ignore lint/suspicious/noExplicitAny: loosely shaped JSON
      return { status: res.status, json: (await res.json()) as any };
    };
    const a = as(A);
    const b = as(B);
    const pa = (await a('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 2 })).json;
    const pb = (await b('POST', '/stories/create', { person_id: 1, story_idea: IDEA, num_scenes: 3 })).json;
    expect(pa.id).not.toBe(pb.id);
    expect((await a('GET', '/scene-projects')).json.map((p: { id: number }) => p.id)).toEqual([pa.id]);
    expect((await b('GET', '/scene-projects')).json.map((p: { id: number }) => p.id)).toEqual([pb.id]);
    // Another account's project is as unknown as a missing one: nothing read, changed or charged.
    expect((await b('GET', `/scene-projects/${pa.id}`)).status).toBe(404);
    expect((await b('POST', `/scene-projects/${pa.id}/approve`, { confirm_credits: true })).status).toBe(404);
    expect((await b('POST', `/scene-projects/${pb.id}/approve`, { confirm_credits: true })).status).toBe(202);
    expect(sb.accounts.map((x) => x.ledger().balance)).toEqual([1000, 200]);
    expect(sb.ledger().spent).toBe(0);
    // A token of no account is refused; the ledger route answers for the bearer's account.
    expect((await as('nobody-token')('GET', '/scene-projects')).status).toBe(401);
    const ledgerB = await fetch(`${sb.origin}/_sandbox/ledger`, {
      headers: { authorization: `Bearer ${B}` },
    });
    expect(((await ledgerB.json()) as { spent: number }).spent).toBe(300);
    // Test hooks find the account holding the project.
    sb.patchProject(pb.id, { mood: 'noir' });
    expect((await b('GET', `/scene-projects/${pb.id}`)).json.mood).toBe('noir');
  });

  it('refuses two accounts with one token', async () => {
    await expect(startSandbox({ accounts: [{ token: A }, { token: A }] })).rejects.toThrow(/own token/);
  });

  it('the sandbox command takes --token more than once and prints each', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { loadConfig } = await import('../src/config.js');
      const config = loadConfig(['sandbox', '--port', '0', '--token', A, '--token', B]);
      expect(config.sandbox.tokens).toEqual([A, B]);
      expect(() => loadConfig(['sandbox', '--token', A, '--token', A])).toThrow(/names one token twice/);
      const sb = await runSandboxCommand({ port: 0, tokens: config.sandbox.tokens });
      open.push(sb);
      const out = write.mock.calls.map((c) => String(c[0])).join('');
      expect(out).toContain('(2 accounts, each with its own projects and credits)');
      expect(out).toContain(`token: ${A}\ntoken: ${B}\n`);
      expect(sb.accounts.map((x) => x.token)).toEqual([A, B]);
    } finally {
      write.mockRestore();
    }
  });
});
