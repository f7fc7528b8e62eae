#!/usr/bin/env node
/**
 * `npm run bundle`: builds scene-projects-mcp.mcpb, the Claude Desktop extension, and proves it runs.
 *
 * 1. Stage manifest.json, README, assets/, the bundled dist/cli.js and the sandbox modules in a
 *    temporary folder with a package.json whose one dependency is undici (the CLI bundle holds the
 *    SDK and zod), and install it there (`--omit=dev --ignore-scripts`).
 * 2. `mcpb pack` it into ./scene-projects-mcp.mcpb (validates the manifest on the way).
 * 3. Verify: `mcpb unpack` into another temporary folder, start the server exactly as Claude Desktop
 *    would (the manifest's command, args and env, ${__dirname} and ${user_config.*} substituted, with
 *    sandbox mode on and a media folder chosen), connect a real MCP client over stdio, list the tools,
 *    run create_story, generate, look at the scene images and save the video into the media folder.
 *
 * `--no-verify` skips step 3; `--keep` keeps the temporary folders and prints where they are.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(ROOT, 'scene-projects-mcp.mcpb');
const MCPB = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const args = new Set(process.argv.slice(2));
const keep = args.has('--keep');
/** The manifest's placeholder for the unpacked bundle's folder (a literal, not a template). */
const DIRNAME = ['$', '{__dirname}'].join('');
const log = (m) => process.stderr.write(`[bundle] ${m}\n`);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, argv, opts = {}) =>
  execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], shell: cmd.endsWith('.cmd'), ...opts });

function sizeOf(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of readdirSync(path)) total += sizeOf(join(path, e));
  return total;
}
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function stage() {
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run `npm run build` first.');
  const dir = mkdtempSync(join(tmpdir(), 'scene-mcpb-stage-'));
  for (const f of ['manifest.json', 'README.md', 'LICENSE']) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f));
  }
  // The sandbox's media; the README's screenshots stay out.
  if (existsSync(join(ROOT, 'assets')))
    cpSync(join(ROOT, 'assets'), join(dir, 'assets'), {
      recursive: true,
      filter: (src) => !src.endsWith('.png'),
    });
  // Only what the server runs: dist/cli.js is one esbuild bundle (SDK and zod inside); the sandbox
  // stays a separate module (it finds assets/ relative to itself) with the few modules it imports;
  // dist/media/imaging.js is the pure-JS image codec (jimp inside), loaded only when images are asked
  // for; undici is the one external package (loaded on the first API request); the storyboard app is
  // one HTML file, read when a host first asks for it.
  const sandbox = readdirSync(join(ROOT, 'dist', 'sandbox')).map((f) => `sandbox/${f}`);
  // The few modules outside dist/sandbox that it imports (the pricing table, the body reader), found
  // from its own imports so a new one cannot be forgotten.
  const shared = new Set();
  for (const f of sandbox.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(ROOT, 'dist', f), 'utf8');
    for (const m of code.matchAll(/from '\.\.\/([\w/-]+\.js)'/g)) shared.add(m[1]);
  }
  const files = ['cli.js', 'media/imaging.js', 'app/storyboard.html', ...shared, ...sandbox];
  for (const f of files.filter((f) => /\.(js|html)$/.test(f)))
    cpSync(join(ROOT, 'dist', f), join(dir, 'dist', f));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const runtime = {
    name: pkg.name,
    version: pkg.version,
    type: 'module',
    private: true,
    dependencies: { undici: pkg.dependencies.undici },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
  log(`staging in ${dir}; installing undici ${pkg.dependencies.undici}…`);
  run(npm, ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock'], {
    cwd: dir,
  });
  return dir;
}

function pack(dir) {
  rmSync(OUT, { force: true });
  run(process.execPath, [MCPB, 'pack', dir, OUT], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!existsSync(OUT)) throw new Error('mcpb pack produced no file');
}

async function verify() {
  const dir = mkdtempSync(join(tmpdir(), 'scene-mcpb-unpacked-'));
  run(process.execPath, [MCPB, 'unpack', OUT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  for (const f of [
    manifest.server.entry_point,
    'dist/media/imaging.js',
    'node_modules/undici/package.json',
    'assets/sample.mp4',
  ]) {
    if (!existsSync(join(dir, f))) throw new Error(`the bundle lacks ${f}`);
  }
  if (existsSync(join(dir, 'node_modules', 'vitest')) || existsSync(join(dir, 'node_modules', 'ai'))) {
    throw new Error('the bundle holds devDependencies or optional peers');
  }

  // As Claude Desktop launches it: the manifest's command line and env, placeholders substituted,
  // with the media folder a person would pick in the extension's settings.
  const mediaDir = join(dir, 'My Videos');
  const values = { sandbox: true, media_dir: mediaDir };
  const fill = (s) =>
    s
      .replaceAll(DIRNAME, dir)
      .replace(/\$\{user_config\.(\w+)\}/g, (_m, k) =>
        String(values[k] ?? manifest.user_config[k]?.default ?? ''),
      );
  const env = { PATH: process.env.PATH ?? '', TWIN_LOG_LEVEL: 'warn' };
  for (const [k, v] of Object.entries(manifest.server.mcp_config.env ?? {})) env[k] = fill(v);
  const command =
    manifest.server.mcp_config.command === 'node' ? process.execPath : manifest.server.mcp_config.command;

  const { Client } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  const transport = new StdioClientTransport({
    command,
    args: manifest.server.mcp_config.args.map(fill),
    cwd: tmpdir(),
    env,
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bundle-verify', version: '1.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    const expected = manifest.tools.map((t) => t.name);
    if (JSON.stringify(names) !== JSON.stringify(expected)) {
      throw new Error(`tools/list gave ${names.join(', ')}; the manifest lists ${expected.join(', ')}`);
    }
    const r = await client.callTool({
      name: 'create_story',
      arguments: { story_idea: 'A paper boat crosses a rainy city to reach the sea.', num_scenes: 2 },
    });
    const text = r.content?.[0]?.text ?? '';
    if (r.isError || !/^Created project \d+/.test(text)) throw new Error(`create_story failed: ${text}`);
    // The image path (pure-JS codec loaded on demand) works from the unpacked bundle too.
    const id = r.structuredContent.project.id;
    const approve = (extra) =>
      client.callTool({ name: 'approve_project', arguments: { project_id: id, ...extra } });
    const quote = (await approve({})).structuredContent.quote;
    await approve({ confirm_credits: true, quote_token: quote.quote_token, max_credits: quote.credits });
    await client.callTool({
      name: 'get_status',
      arguments: { project_id: id, wait_seconds: 40, until: 'done' },
    });
    const shown = await client.callTool({
      name: 'get_project',
      arguments: { project_id: id, include_images: true },
    });
    const images = shown.content.filter((c) => c.type === 'image').length;
    if (images !== 2)
      throw new Error(`get_project include_images gave ${images} images, not 2: ${shown.content[0]?.text}`);
    const saved = await client.callTool({ name: 'save_video', arguments: { project_id: id } });
    const file = saved.structuredContent?.files?.[0]?.path;
    if (saved.isError || !file || !file.startsWith(mediaDir) || statSync(file).size === 0)
      throw new Error(`save_video did not save into the media folder: ${saved.content[0]?.text}`);
    log(
      `verified: unpacked bundle serves ${names.length} tools over stdio; create_story → "${text.split('\n')[0]}"; ${images} scene images; saved ${relative(dir, file)}`,
    );
  } finally {
    await client.close().catch(() => {});
  }
  return dir;
}

const started = Date.now();
const stageDir = stage();
pack(stageDir);
log(
  `wrote ${relative(process.cwd(), OUT) || OUT}: ${mib(statSync(OUT).size)} (unpacked ${mib(sizeOf(stageDir))})`,
);
let unpacked;
if (!args.has('--no-verify')) unpacked = await verify();
if (keep) log(`kept: stage ${stageDir}${unpacked ? `, unpacked ${unpacked}` : ''}`);
else {
  rmSync(stageDir, { recursive: true, force: true });
  if (unpacked) rmSync(unpacked, { recursive: true, force: true });
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
