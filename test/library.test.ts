/**
 * The library entry and the agent-framework adapters, end to end against the sandbox over real HTTP:
 * each adapter runs a tool from its SDK's own tool-call shape (type-checked against the SDKs'
 * published types), spending goes through confirmSpend (yes, no, none, over the limit) with the
 * sandbox ledger as the witness, waitForProject follows a generation, and the `tools` printer's
 * formats parse. No fixed sleeps: the sandbox runs fast and polling intervals are small.
 */
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  Tool as AnthropicSdkTool,
  ToolResultBlockParam,
  ToolUseBlock,
} from '@anthropic-ai/sdk/resources/messages';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionTool,
  ChatCompletionToolMessageParam,
} from 'openai/resources/chat/completions';
import type {
  FunctionTool,
  ResponseFunctionToolCall,
  ResponseInputItem,
} from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createSceneTools,
  handleAnthropicToolUse,
  handleAnthropicToolUses,
  handleOpenAIResponsesCall,
  handleOpenAIToolCall,
  type QuoteView,
  type Sandbox,
  type SceneTools,
  startSandbox,
  TOOL_NAMES,
  toAnthropicTools,
  toOpenAIResponsesTools,
  toOpenAITools,
  toVercelAITools,
  WaitTimeoutError,
} from '../src/index.js';
import { printTools } from '../src/surfaces/print-tools.js';
import { READ_ONLY_TOOL_NAMES } from '../src/tools/index.js';

let sb: Sandbox;
const open: SceneTools[] = [];
const FAST = { minMs: 10, maxMs: 50 };
/** With a media folder every tool is offered (save_video needs one in the library). */
const mediaDir = mkdtempSync(join(tmpdir(), 'library-media-'));

function tools(opts: Parameters<typeof createSceneTools>[0] = {}): SceneTools {
  const t = createSceneTools({
    baseUrl: sb.url,
    token: sb.token,
    personId: 1,
    pollIntervals: FAST,
    mediaDir,
    ...opts,
  });
  open.push(t);
  return t;
}

/** A fresh proposed project with `n` scenes. */
async function proposed(scene: SceneTools, n = 2): Promise<number> {
  const r = await scene.execute('create_story', {
    story_idea: 'A lighthouse keeper teaches a seagull to read the tides.',
    num_scenes: n,
  });
  expect(r.isError, r.text).toBe(false);
  return (r.structured as { project: { id: number } }).project.id;
}

const charges = (id: number) => sb.ledger().entries.filter((e) => e.project_id === id);

beforeAll(async () => {
  sb = await startSandbox({ timeScale: 1000, credits: 100_000 });
});
afterAll(async () => {
  for (const t of open) await t.close();
  await sb?.close();
  rmSync(mediaDir, { recursive: true, force: true });
});

describe('createSceneTools', () => {
  it('offers the registry’s nine tools with JSON Schemas and annotations', () => {
    const scene = tools();
    expect(scene.tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    for (const t of scene.tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema.type).toBe('object');
      expect(typeof t.annotations.readOnlyHint).toBe('boolean');
      expect(t.description.length).toBeGreaterThan(40);
    }
    // io: 'input': arguments with defaults are optional for the model.
    const create = scene.get('create_story')!;
    expect(create.inputSchema.required).toEqual(['story_idea']);
  });

  it('narrows to read tools in read-only mode, and to an allow-list', () => {
    expect(tools({ readOnly: true }).tools.map((t) => t.name)).toEqual(READ_ONLY_TOOL_NAMES);
    expect(tools({ tools: ['get_status', 'create_story'] }).tools.map((t) => t.name)).toEqual([
      'create_story',
      'get_status',
    ]);
    expect(() => createSceneTools({ tools: ['make_movie' as never] })).toThrow(
      /the tools option names unknown tools: make_movie\. Known: create_story, /,
    );
  });

  it('validates its options as the server validates flags, credentials-in-URL included', () => {
    expect(() => createSceneTools({ creditLimit: -1 })).toThrow(
      'the creditLimit option must be a whole number from 0 to 100000000; got "-1".',
    );
    expect(() => createSceneTools({ personId: 0 })).toThrow(/the personId option must be a whole number/);
    expect(() => createSceneTools({ baseUrl: 'https://me:pw@api.example/v1' })).toThrow(
      /^the baseUrl option \/ TWIN_API_URL must not carry a user or password: put the token in TWIN_API_TOKEN\.$/,
    );
    expect(() => createSceneTools({ baseUrl: 'ftp://x' })).toThrow(
      /baseUrl option .* must be an http\(s\) URL/,
    );
    expect(() => createSceneTools({ readOnly: true, tools: ['approve_project'] })).toThrow(
      /no tool would be offered/,
    );
  });

  it('answers bad arguments, unknown tools and API errors with error results, never throwing', async () => {
    const scene = tools();
    const bad = await scene.execute('create_story', { story_idea: 'x', num_scenes: 40 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/^Invalid arguments: .*story_idea.*num_scenes/);
    expect(bad.structured).toBeUndefined();

    const unknown = await scene.execute('make_movie', {});
    expect(unknown).toMatchObject({ isError: true });
    expect(unknown.text).toMatch(/Unknown tool "make_movie". Available: create_story, /);

    const missing = await scene.execute('get_project', { project_id: 987654 });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/987654/);

    const noToken = createSceneTools({ baseUrl: sb.url, token: '' });
    open.push(noToken);
    const r = await noToken.execute('list_projects', {});
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/token/i);
  });

  it('approve_project with confirmSpend saying yes: asked once with the figure, charged once', async () => {
    const quotes: QuoteView[] = [];
    const scene = tools({
      confirmSpend: async (q) => {
        quotes.push(q);
        return true;
      },
    });
    const id = await proposed(scene, 2);
    const r = await scene.execute('approve_project', { project_id: id });
    expect(r.isError, r.text).toBe(false);
    expect(r.structured).toMatchObject({ outcome: 'started', project_id: id, credits: 200 });
    expect(quotes).toHaveLength(1);
    expect(quotes[0]).toMatchObject({ action: 'approve_project', project_id: id, credits: 200 });
    expect(charges(id)).toEqual([expect.objectContaining({ kind: 'approve', credits: 200 })]);

    const seen: string[] = [];
    const done = await scene.waitForProject(id, { onProgress: (_s, m) => seen.push(m) });
    expect(done.status).toBe('completed');
    expect(done.final_video_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.+\.mp4$/);
    expect(seen.length).toBeGreaterThan(0);
    expect(charges(id)).toHaveLength(1);
  });

  it('approve_project with confirmSpend saying no: declined, nothing charged', async () => {
    let asked = 0;
    const scene = tools({
      confirmSpend: async () => {
        asked++;
        return false;
      },
    });
    const id = await proposed(scene);
    const r = await scene.execute('approve_project', { project_id: id });
    expect(asked).toBe(1);
    expect(r.structured).toMatchObject({ outcome: 'declined', credits: 0 });
    expect(r.text).toMatch(/nothing was spent/i);
    expect(charges(id)).toEqual([]);
  });

  it('approve_project without confirmSpend: refused, nothing charged, even with confirm_credits', async () => {
    const scene = tools();
    const id = await proposed(scene);
    const r = await scene.execute('approve_project', {
      project_id: id,
      confirm_credits: true,
      max_credits: 10_000,
    });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ outcome: 'refused', credits: 0 });
    expect(r.text).toMatch(/confirmSpend/);
    expect(charges(id)).toEqual([]);
  });

  it('a creditLimit below the figure refuses before asking', async () => {
    let asked = 0;
    const scene = tools({
      creditLimit: 150,
      confirmSpend: async () => {
        asked++;
        return true;
      },
    });
    const id = await proposed(scene, 2);
    const r = await scene.execute('approve_project', { project_id: id });
    expect(r.isError).toBe(true);
    expect(r.structured).toMatchObject({ outcome: 'refused' });
    expect(asked).toBe(0);
    expect(charges(id)).toEqual([]);
  });

  it('waitForProject: times out with the last status, stops on abort, rejects on an unknown project', async () => {
    const scene = tools();
    const id = await proposed(scene);
    const timeout = await scene.waitForProject(id, { timeoutMs: 40 }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(WaitTimeoutError);
    expect((timeout as WaitTimeoutError).snapshot?.status).toBe('proposed');

    const ac = new AbortController();
    const waiting = scene.waitForProject(id, { signal: ac.signal, timeoutMs: 60_000 });
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');

    const missing = await scene.waitForProject(987654, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).kind).toBe('not_found');
  });
});

describe('long-lived signals', () => {
  it('calls made with one application-wide signal leave nothing attached to it', async () => {
    const scene = tools();
    const id = await proposed(scene);
    const app = new AbortController();
    for (let i = 0; i < 20; i++) {
      const r = await scene.execute('get_status', { project_id: id }, { signal: app.signal });
      expect(r.isError, r.text).toBe(false);
      await scene.waitForProject(id, { signal: app.signal, timeoutMs: 0 }).catch(() => undefined);
    }
    // AbortSignal.any keeps every composite in its sources for good on Node 20: one per call, forever.
    const held = Object.getOwnPropertySymbols(app.signal)
      .filter((k) => k.description === 'kDependantSignals')
      .map((k) => (app.signal as unknown as Record<symbol, Set<unknown> | undefined>)[k]?.size ?? 0);
    expect(held.every((n) => n === 0)).toBe(true);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);
  });
});

describe('OpenAI adapter', () => {
  it('publishes Chat Completions and Responses function tools', () => {
    const scene = tools();
    const chat: ChatCompletionTool[] = toOpenAITools(scene);
    const responses: FunctionTool[] = toOpenAIResponsesTools(scene);
    expect(chat).toHaveLength(9);
    expect(responses).toHaveLength(9);
    const first = chat[0]!;
    expect(first.type).toBe('function');
    if (first.type !== 'function') return;
    expect(first.function.name).toBe('create_story');
    expect(first.function.parameters).toMatchObject({ type: 'object', properties: { story_idea: {} } });
    expect(first.function.parameters).not.toHaveProperty('$schema');
    expect(responses[0]).toMatchObject({ type: 'function', name: 'create_story', strict: false });
  });

  it('runs create_story from a Chat Completions tool call; malformed JSON is an error message', async () => {
    const scene = tools();
    const call: ChatCompletionMessageFunctionToolCall = {
      id: 'call_1',
      type: 'function',
      function: {
        name: 'create_story',
        arguments: JSON.stringify({ story_idea: 'Two robots open a bakery on the moon.', num_scenes: 3 }),
      },
    };
    const msg: ChatCompletionToolMessageParam = await handleOpenAIToolCall(scene, call);
    expect(msg.role).toBe('tool');
    expect(msg.tool_call_id).toBe('call_1');
    expect(msg.content).toMatch(/^Created project \d+ \(proposed\) with 3 scenes/);

    const broken = await handleOpenAIToolCall(scene, {
      id: 'call_2',
      type: 'function',
      function: { name: 'create_story', arguments: '{"story_idea": "unterminated' },
    });
    expect(broken.content).toMatch(/^Error: The arguments of create_story are not valid JSON/);
  });

  it('runs get_status from a Responses function_call item', async () => {
    const scene = tools();
    const id = await proposed(scene);
    const item: ResponseFunctionToolCall = {
      type: 'function_call',
      call_id: 'fc_1',
      name: 'get_status',
      arguments: JSON.stringify({ project_id: id }),
    };
    const out: ResponseInputItem.FunctionCallOutput = await handleOpenAIResponsesCall(scene, item);
    expect(out).toMatchObject({ type: 'function_call_output', call_id: 'fc_1' });
    expect(out.output).toMatch(new RegExp(`^Project ${id}: proposed`));
  });
});

describe('Anthropic adapter', () => {
  it('publishes Messages API tools', () => {
    const list: AnthropicSdkTool[] = toAnthropicTools(tools());
    expect(list.map((t) => t.name)).toEqual([...TOOL_NAMES]);
    expect(list[2]!.input_schema).toMatchObject({ type: 'object', required: ['project_id'] });
  });

  it('runs get_project from a tool_use block, and every own tool_use of a message', async () => {
    const scene = tools();
    const id = await proposed(scene, 2);
    const block: ToolUseBlock = {
      type: 'tool_use',
      id: 'toolu_1',
      name: 'get_project',
      input: { project_id: id },
      caller: { type: 'direct' },
    };
    const result: ToolResultBlockParam = await handleAnthropicToolUse(scene, block);
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
    expect(result.is_error).toBeUndefined();
    expect(result.content).toMatch(new RegExp(`^Project ${id}: proposed`));
    expect(result.content).toMatch(/Scene 2 \(id \d+\)/);

    const results = await handleAnthropicToolUses(scene, [
      { type: 'text', text: 'Let me look.' } as { type: string },
      block,
      { ...block, id: 'toolu_2', name: 'get_weather' },
      { ...block, id: 'toolu_3', input: { project_id: 987654 } },
    ]);
    expect(results.map((r) => r.tool_use_id)).toEqual(['toolu_1', 'toolu_3']);
    expect(results[1]!.is_error).toBe(true);
  });
});

describe('Anthropic adapter: scene images', () => {
  it('answers get_project include_images with text, then each labelled image as a base64 block', async () => {
    const scene = tools({ confirmSpend: async () => true });
    const id = await proposed(scene, 2);
    const approved = await scene.execute('approve_project', { project_id: id });
    expect(approved.isError, approved.text).toBe(false);
    await scene.waitForProject(id, { timeoutMs: 20_000 });
    const result: ToolResultBlockParam = await handleAnthropicToolUse(scene, {
      type: 'tool_use',
      id: 'toolu_img',
      name: 'get_project',
      input: { project_id: id, include_images: true },
    });
    const blocks = result.content as Array<{
      type: string;
      text?: string;
      source?: { media_type: string; data: string };
    }>;
    expect(blocks.map((b) => b.type)).toEqual(['text', 'text', 'image', 'text', 'image']);
    expect(blocks[0]!.text).toMatch(/Scene images below/);
    expect(blocks[1]!.text).toMatch(/^Scene 1 /);
    expect(blocks[2]!.source!.media_type).toBe('image/jpeg');
    expect(Buffer.from(blocks[2]!.source!.data, 'base64').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });
});

describe('Vercel AI SDK adapter', () => {
  it('runs list_projects through tool().execute and through generateText with a model', async () => {
    const scene = tools();
    const id = await proposed(scene);
    const set = await toVercelAITools(scene);
    expect(Object.keys(set)).toEqual([...TOOL_NAMES]);

    const direct = await set.list_projects!.execute!({ limit: 100 }, { toolCallId: 't1', messages: [] });
    expect(direct).toMatchObject({ isError: false });
    expect((direct as { text: string }).text).toMatch(new RegExp(`#${id} proposed`));

    const model = new MockLanguageModelV3({
      doGenerate: [
        {
          content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'list_projects', input: '{"limit":3}' }],
          finishReason: { unified: 'tool-calls', raw: undefined },
          usage: usage(),
          warnings: [],
        },
        {
          content: [{ type: 'text', text: 'Here are your projects.' }],
          finishReason: { unified: 'stop', raw: undefined },
          usage: usage(),
          warnings: [],
        },
      ],
    });
    const r = await generateText({ model, tools: set, prompt: 'List my videos', stopWhen: stepCountIs(2) });
    expect(r.text).toBe('Here are your projects.');
    const toolResult = r.steps[0]!.toolResults[0]!;
    expect(toolResult.toolName).toBe('list_projects');
    expect((toolResult.output as { text: string }).text).toMatch(/projects? \(showing 3\)|^\d+ projects?:/);
    // The model was offered our JSON Schema, and saw the tool's text as the result.
    const offered = model.doGenerateCalls[0]!.tools!.find((t) => t.name === 'create_story');
    expect(offered).toMatchObject({
      type: 'function',
      inputSchema: { type: 'object', required: ['story_idea'] },
    });
    const second = JSON.stringify(model.doGenerateCalls[1]!.prompt);
    expect(second).toContain('"type":"text"');
    expect(second).toMatch(/#\d+ proposed/);
  });

  it('shows an error result to the model as error text', async () => {
    const set = await toVercelAITools(tools());
    const out = await set.get_project!.execute!({ project_id: 987654 }, { toolCallId: 't2', messages: [] });
    expect(out).toMatchObject({ isError: true });
    const shown = await set.get_project!.toModelOutput!({ toolCallId: 't2', input: {}, output: out });
    expect(shown).toMatchObject({ type: 'error-text' });
  });
});

function usage() {
  return {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  };
}

describe('scene-projects-mcp tools', () => {
  const base = { readOnly: false, tools: undefined } as const;
  it.each(['json', 'openai', 'anthropic'] as const)('--format %s prints nine tools as JSON', (format) => {
    const parsed = JSON.parse(printTools({ ...base, toolsFormat: format })) as Record<string, unknown>[];
    expect(parsed).toHaveLength(9);
    const names = parsed.map((t) =>
      format === 'openai' ? (t.function as { name: string }).name : (t.name as string),
    );
    expect(names).toEqual([...TOOL_NAMES]);
    if (format === 'json') expect(parsed[0]).toHaveProperty('output_schema');
    if (format === 'anthropic') expect(parsed[0]).toHaveProperty('input_schema.type', 'object');
  });

  it('honours read-only mode', () => {
    const parsed = JSON.parse(printTools({ readOnly: true, tools: undefined, toolsFormat: 'anthropic' }));
    expect(parsed).toHaveLength(3);
  });
});

describe('the library entry', () => {
  it('keeps a script alive while it awaits waitForProject (and only that)', async () => {
    const run = promisify(execFile);
    const code = [
      "const { createSceneTools } = await import('./src/index.ts');",
      'let n = 0;',
      "const api = { getStatus: async (id) => ({ id, status: ++n > 3 ? 'completed' : 'generating', progress: n * 25 }) };",
      'const scene = createSceneTools({ api, pollIntervals: { minMs: 30, maxMs: 60 } });',
      'const done = await scene.waitForProject(7);',
      'console.log(done.status, n);',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: new URL('../', import.meta.url),
      timeout: 15_000,
    });
    expect(stdout.trim()).toBe('completed 4');
  });

  it('imports without side effects: no output, nothing left running', async () => {
    const run = promisify(execFile);
    const code =
      "const m = await import('./src/index.ts'); if (typeof m.createSceneTools !== 'function') process.exit(3);";
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      {
        cwd: new URL('../', import.meta.url),
        timeout: 15_000,
      },
    );
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });
});
