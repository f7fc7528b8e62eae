/**
 * `npm run demo`: the whole job, as an agent would do it, against the sandbox.
 * Starts the built server over stdio in sandbox mode, connects a real MCP client, and walks:
 * draft → edit → quote and consent (answered here as the person) → follow with a progress bar →
 * final video → look at the scenes → regenerate a scene with consent → upscale → save the video
 * into a temporary folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

type Result = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
};

const tty = process.stdout.isTTY === true;
const c = (code: string, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s: string) => c('1', s);
const dim = (s: string) => c('2', s);
const say = (s = '') => process.stdout.write(`${s}\n`);
const step = (n: number, s: string) => say(`\n${bold(`${n}.`)} ${bold(s)}`);

function bar(pct: number, message: string): string {
  const width = 28;
  const filled = Math.round((Math.max(0, Math.min(100, pct)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(pct)).padStart(3)}% ${message}`;
}

type CallTool = (
  name: string,
  args: Record<string, unknown>,
  onprogress?: (p: { progress: number; total?: number; message?: string }) => void,
) => Promise<Result>;
type Follow = (
  projectId: number,
  until: (s: Record<string, unknown>) => boolean,
) => Promise<Record<string, unknown>>;

/** Starts the built server over stdio on the sandbox and connects a client that answers consent as the person. */
async function connect(cli: string, mediaDir: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, '--sandbox', '--time-scale', '2', '--log-level', 'warn', '--media-dir', mediaDir],
    stderr: 'inherit',
  });
  const client = new Client(
    { name: 'scene-projects-demo', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  // The person's side of consent: show the question the server asked, then answer it.
  client.setRequestHandler('elicitation/create', async (req) => {
    say(`   ${c('33', '┌ the server asks the person:')}`);
    say(`   ${c('33', '│')} ${req.params.message}`);
    say(`   ${c('33', '└')} the person answers: ${bold('yes')}`);
    return { action: 'accept', content: { confirm: true } };
  });
  await client.connect(transport);
  return client;
}

function toolCaller(client: Client): CallTool {
  return async (name, args, onprogress) => {
    const r = (await client.callTool(
      { name, arguments: args },
      onprogress ? { onprogress, resetTimeoutOnProgress: true } : undefined,
    )) as Result;
    if (r.isError) throw new Error(`${name} failed: ${r.content.map((x) => x.text).join(' ')}`);
    return r;
  };
}

/** get_status with waits until `until` holds, drawing a progress bar (a line per step in logs). */
function follower(callTool: CallTool): Follow {
  return async (projectId, until) => {
    let last = '';
    let lastStep = '';
    let lastBucket = -1;
    const render = (pct: number, msg: string) => {
      const line = bar(pct, msg);
      if (line === last) return;
      last = line;
      if (tty) return void process.stdout.write(`\r   ${line}\x1b[K`);
      // Logs and pipes get a line per step and per fifth of the way, not a line per percent.
      const stepName = msg.replace(/[,\d%].*$/, '').trim();
      const bucket = Math.floor(pct / 20);
      if (stepName === lastStep && bucket === lastBucket) return;
      lastStep = stepName;
      lastBucket = bucket;
      say(`   ${line}`);
    };
    for (;;) {
      // Progress messages end with the percentage for hosts that show only the message; the bar shows it already.
      const r = await callTool('get_status', { project_id: projectId, wait_seconds: 20 }, (p) =>
        render(p.progress, (p.message ?? '').replace(/\s*\d+%$/, '')),
      );
      const s = (r.structuredContent as { status: Record<string, unknown> }).status;
      render(Number(s.progress ?? 0), String(s.current_step ?? s.status).replace(/_/g, ' '));
      if (until(s)) {
        if (tty) process.stdout.write('\n');
        return s;
      }
      if (s.status === 'failed') throw new Error(`generation failed: ${String(s.error)}`);
    }
  };
}

/** Steps 1–5: draft, edit, quote with consent, follow the generation. */
async function draftAndGenerate(client: Client, callTool: CallTool, follow: Follow) {
  step(1, 'Connected. Tools the agent sees:');
  const { tools } = await client.listTools();
  say(`   ${tools.map((t) => t.name).join(', ')}`);

  step(2, 'create_story — draft four scenes from a story idea (free)');
  const idea =
    'A lighthouse keeper finds a message in a bottle and sails across a stormy sea to answer it, arriving at dawn.';
  say(`   idea: ${dim(idea)}`);
  const created = await callTool('create_story', { story_idea: idea, num_scenes: 4 });
  const project = (
    created.structuredContent as { project: { id: number; scenes: Array<Record<string, unknown>> } }
  ).project;
  for (const s of project.scenes) say(`   scene ${s.scene_number}: ${s.description}`);
  say(
    `   estimated cost: ${(created.structuredContent as { estimated_credits: number }).estimated_credits} credits`,
  );

  step(3, 'update_scene — the person wants a warmer last line');
  await callTool('update_scene', {
    project_id: project.id,
    scene_number: 4,
    narration_text: 'Some messages are worth crossing an ocean for.',
  });
  say('   scene 4 narration is now: “Some messages are worth crossing an ocean for.”');

  step(4, 'approve_project — the server quotes and asks the person before spending');
  const approved = await callTool('approve_project', { project_id: project.id });
  say(`   ${approved.content[0]?.text?.split('\n')[0]}`);

  step(5, 'get_status with wait_seconds — following the generation');
  const done = await follow(project.id, (s) => s.status === 'completed');
  say(`   final video: ${bold(String(done.final_video_url))}`);
  const head = await fetch(String(done.final_video_url), { method: 'HEAD' });
  say(
    dim(
      `   (${head.status} ${head.headers.get('content-type')}, ${head.headers.get('content-length')} bytes)`,
    ),
  );
  return { projectId: project.id, done };
}

/** Steps 6–9: look at the scenes, regenerate one with consent, upscale, save the video. */
async function refineAndDeliver(projectId: number, callTool: CallTool, follow: Follow): Promise<void> {
  step(6, 'get_project with include_images — the model looks at what came out');
  const shown = await callTool('get_project', { project_id: projectId, include_images: true });
  const images = shown.content.filter((b) => b.type === 'image').length;
  const size = /Scene images below \(([^)]*)\)/.exec(shown.content[0]?.text ?? '')?.[1] ?? '';
  say(`   ${images} scene images for the model ${dim(`(${size})`)}`);

  step(7, 'regenerate_scene — redo scene 2 with a stormier image, with consent');
  const regen = await callTool('regenerate_scene', {
    project_id: projectId,
    scene_number: 2,
    updated_image_prompt: 'Photorealistic, small sailboat in towering storm waves, lightning, cinematic, 8K',
  });
  say(`   ${regen.content[0]?.text?.split('\n')[0]}`);
  const redone = await follow(projectId, (s) => s.status === 'completed');
  say(`   re-stitched video: ${bold(String(redone.final_video_url))}`);

  step(8, 'upscale — free');
  const up = await callTool('upscale', { project_id: projectId });
  say(`   ${up.content[0]?.text?.split('\n')[0]}`);
  const upscaled = await follow(projectId, (s) => s.status === 'completed' && !!s.final_video_url_upscaled);
  say(`   upscaled video: ${bold(String(upscaled.final_video_url_upscaled))}`);

  step(9, 'save_video — the finished video on the person’s disk');
  const saved = await callTool('save_video', { project_id: projectId, what: 'upscaled' });
  const file = (saved.structuredContent as { files: Array<{ path: string; bytes: number }> }).files[0]!;
  say(`   saved: ${bold(file.path)} ${dim(`(${file.bytes} bytes)`)}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  say(
    bold('scene-projects-mcp demo') +
      dim(' — a story idea to a finished video, on the local sandbox (no account, no real credits)'),
  );
  // Where save_video puts the file: a fresh temporary folder, kept so the person can play the video.
  const mediaDir = mkdtempSync(join(tmpdir(), 'scene-projects-demo-'));
  const client = await connect(cli, mediaDir);
  const callTool = toolCaller(client);
  const follow = follower(callTool);
  const { projectId, done } = await draftAndGenerate(client, callTool, follow);
  await refineAndDeliver(projectId, callTool, follow);

  const ledgerUrl = new URL('/_sandbox/ledger', String(done.final_video_url));
  const ledger = (await (await fetch(ledgerUrl)).json()) as {
    balance: number;
    spent: number;
    entries: Array<Record<string, unknown>>;
  };
  say(
    `\n${bold('Credits')} spent on the sandbox: ${ledger.spent} (${ledger.entries.map((e) => `${e.kind} ${e.credits}`).join(', ')}); balance ${ledger.balance}.`,
  );
  say(dim(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`));
  await client.close();
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
