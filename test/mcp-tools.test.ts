/** The tool surface as an MCP client sees it: the exact list, honest annotations, results and errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createRuntime } from '../src/runtime.js';
import { READ_ONLY_TOOL_NAMES, TOOL_NAMES } from '../src/tools/index.js';
import { call, connect, STORY, sandboxRuntime, text } from './helpers/mcp.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(flags: string[] = []) {
  const rt = await sandboxRuntime(flags);
  open.push(rt);
  const c = await connect(rt);
  open.push(c);
  return { rt, c };
}

describe('tools/list', () => {
  it('offers exactly the nine tools, in order, with honest annotations', async () => {
    const { c } = await setup();
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    for (const t of tools) {
      const a = t.annotations!;
      expect(a.openWorldHint, t.name).toBe(true);
      expect(a.destructiveHint, t.name).toBe(false);
      // Which tools are read-only is the definitions' word (and the committed snapshot below); a
      // spending tool never is.
      expect(a.readOnlyHint, t.name).toBe(READ_ONLY_TOOL_NAMES.includes(t.name as never));
      if (/SPENDS CREDITS/.test(t.description ?? '')) expect(a.readOnlyHint, t.name).toBe(false);
      expect(t.title, t.name).toBeTruthy();
      expect(t.outputSchema, t.name).toBeTruthy();
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.approve_project!.annotations!.idempotentHint).toBe(false);
    expect(byName.regenerate_scene!.annotations!.idempotentHint).toBe(false);
    expect(byName.approve_project!.description).toMatch(/SPENDS CREDITS/);
    expect(byName.regenerate_scene!.description).toMatch(/SPENDS CREDITS/);
    expect(byName.upscale!.description).toMatch(/Free/);
    // Spending calls carry their figure in their arguments, so a host's approval prompt shows it.
    for (const n of ['approve_project', 'regenerate_scene']) {
      expect(Object.keys((byName[n]!.inputSchema as { properties: object }).properties)).toEqual(
        expect.arrayContaining(['confirm_credits', 'quote_token', 'max_credits']),
      );
    }
  });

  it('matches the committed snapshot (names, schemas, annotations): a change must be deliberate', async () => {
    const { c } = await setup();
    const { tools } = await c.client.listTools();
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot('./snapshots/tools-list.json');
  });
});

describe('the draft-and-refine flow', () => {
  it('creates, reads, edits and lists a project, linking its resource', async () => {
    const { c } = await setup();
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 4 });
    expect(created.isError, text(created)).toBeFalsy();
    const project = created.structuredContent!.project as {
      id: number;
      status: string;
      scenes: Array<{ id: number }>;
    };
    expect(project.status).toBe('proposed');
    expect(project.scenes).toHaveLength(4);
    expect(project.scenes.every((s) => typeof s.id === 'number')).toBe(true);
    expect(created.structuredContent!.estimated_credits).toBe(400);
    expect(text(created)).toContain('Scene 4');
    expect(created.content).toContainEqual(
      expect.objectContaining({ type: 'resource_link', uri: `scene-projects://projects/${project.id}` }),
    );

    const edited = await call(c, 'update_scene', {
      project_id: project.id,
      scene_number: 2,
      narration_text: 'The storm breaks; the lamp still turns.',
    });
    expect(edited.isError, text(edited)).toBeFalsy();
    expect(edited.structuredContent).toMatchObject({ changed_fields: ['narration_text'] });

    const got = await call(c, 'get_project', { project_id: project.id });
    const scenes = (
      got.structuredContent!.project as { scenes: Array<{ scene_number: number; narration_text: string }> }
    ).scenes;
    expect(scenes.find((s) => s.scene_number === 2)!.narration_text).toBe(
      'The storm breaks; the lamp still turns.',
    );

    const listed = await call(c, 'list_projects', { status: 'proposed' });
    expect((listed.structuredContent!.projects as Array<{ id: number }>).map((p) => p.id)).toContain(
      project.id,
    );

    const status = await call(c, 'get_status', { project_id: project.id });
    expect(status.structuredContent).toMatchObject({ done: false, status: { status: 'proposed' } });
  });

  it('edits a scene by id too, and refuses a mismatched number and id', async () => {
    const { c } = await setup();
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const p = created.structuredContent!.project as {
      id: number;
      scenes: Array<{ id: number; scene_number: number }>;
    };
    const s1 = p.scenes.find((s) => s.scene_number === 1)!;
    const s2 = p.scenes.find((s) => s.scene_number === 2)!;
    const byId = await call(c, 'update_scene', {
      project_id: p.id,
      scene_id: s2.id,
      description: 'Dawn over calm water.',
    });
    expect(byId.isError, text(byId)).toBeFalsy();
    const both = await call(c, 'update_scene', {
      project_id: p.id,
      scene_number: 1,
      scene_id: s2.id,
      description: 'x y z',
    });
    expect(both.isError).toBe(true);
    expect(text(both)).toContain(`scene id ${s1.id}`);
  });
});

describe('errors say what to do', () => {
  it('an unknown project', async () => {
    const { c } = await setup();
    const r = await call(c, 'get_project', { project_id: 987654 });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/987654/);
    expect(text(r)).toMatch(/not found/i);
  });

  it('a story idea that is too short, before any request', async () => {
    const { rt, c } = await setup();
    const r = await call(c, 'create_story', { story_idea: 'short' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/10 characters/);
    expect(rt.sandbox!.requests()).toEqual([]);
  });

  it('an edit with nothing to change, or of a scene that does not exist', async () => {
    const { c } = await setup();
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const id = (created.structuredContent!.project as { id: number }).id;
    const none = await call(c, 'update_scene', { project_id: id, scene_number: 1 });
    expect(none.isError).toBe(true);
    expect(text(none)).toMatch(/at least one of/);
    const missing = await call(c, 'update_scene', { project_id: id, scene_number: 7, description: 'Seven.' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/no scene 7/);
  });

  it('an edit after approval points to regenerate_scene, and sends no edit upstream', async () => {
    const rt = await sandboxRuntime();
    open.push(rt);
    const c = await connect(rt, { elicit: () => ({ action: 'accept', content: { confirm: true } }) });
    open.push(c);
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const p = created.structuredContent!.project as { id: number; scenes: Array<{ id: number }> };
    await call(c, 'approve_project', { project_id: p.id });
    for (const args of [{ scene_number: 1 }, { scene_id: p.scenes[0]!.id }]) {
      const r = await call(c, 'update_scene', { project_id: p.id, ...args, description: 'Too late.' });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/only before approval/);
    }
    const foreign = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const other = (foreign.structuredContent!.project as { id: number }).id;
    const wrong = await call(c, 'update_scene', {
      project_id: other,
      scene_id: p.scenes[0]!.id,
      description: 'x y',
    });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toMatch(/has no scene with id/);
    expect(rt.sandbox!.requests().filter((x) => x.method === 'PUT')).toEqual([]);
  });

  it('an approval of a project that is not proposed, with nothing spent', async () => {
    const { rt, c } = await setup();
    const r = await call(c, 'approve_project', { project_id: 424242 });
    expect(r.isError).toBe(true);
    expect(rt.sandbox!.ledger().entries).toEqual([]);
  });

  it('without an API token: every tool says how to set one or try the sandbox', async () => {
    const rt = await createRuntime(loadConfig([], {}), { logger: silentLogger });
    open.push(rt);
    const c = await connect(rt);
    open.push(c);
    const { tools } = await c.client.listTools();
    expect(tools).toHaveLength(9);
    const r = await call(c, 'list_projects', {});
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('TWIN_API_TOKEN');
    expect(text(r)).toContain('--sandbox');
  });
});

describe('unknown upstream values pass through', () => {
  it('a new status and a new field reach the agent without breaking anything', async () => {
    const { rt, c } = await setup();
    const created = await call(c, 'create_story', { story_idea: STORY, num_scenes: 2 });
    const id = (created.structuredContent!.project as { id: number }).id;
    rt.sandbox!.patchProject(id, { status: 'rendering_hdr', hdr_profile: 'pq' });
    const status = await call(c, 'get_status', { project_id: id });
    expect(status.isError, text(status)).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ status: { status: 'rendering_hdr' }, done: false });
    expect(text(status)).toMatch(/new to this server/);
    const got = await call(c, 'get_project', { project_id: id });
    expect(got.structuredContent!.project).toMatchObject({ status: 'rendering_hdr', hdr_profile: 'pq' });
  });
});

describe('the API token stays secret', () => {
  it('never reaches a tool result, even when upstream echoes it back', async () => {
    const { rt, c } = await setup();
    const token = rt.sandbox!.token;
    rt.sandbox!.injectFault({
      fault: {
        kind: 'status',
        status: 500,
        body: { detail: `backend said: Authorization: Bearer ${token}` },
      },
      count: 10,
    });
    const r = await call(c, 'list_projects', {});
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r)).not.toContain(token);
    rt.sandbox!.clearFaults();
    rt.sandbox!.injectFault({
      fault: { kind: 'status', status: 400, body: { detail: `bad token ${token}` } },
      count: 1,
    });
    const created = await call(c, 'create_story', { story_idea: STORY });
    expect(created.isError).toBe(true);
    expect(JSON.stringify(created)).not.toContain(token);
  });
});
