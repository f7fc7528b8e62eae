/**
 * The shape rules of src/, run by `npm run lint` (Biome checks import cycles; this checks the rest):
 * - layers only point down: a module imports its own layer or a lower one, never a higher one
 *   (type-only and dynamic imports included; every file of src/ must belong to a layer);
 * - no file over 400 lines, no function over 80 lines (from its first line to its closing brace).
 * Usage: `tsx scripts/check-shape.ts [root]` (root defaults to the repository).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

/**
 * Top to bottom; paths are relative to src/, a trailing slash names a folder. The most specific
 * entry wins (app/preview.ts is an adapter, the rest of app/ sits with the server).
 */
export const LAYERS: ReadonlyArray<readonly [layer: string, paths: readonly string[]]> = [
  [
    'entry',
    ['cli.ts', 'index.ts', 'demo.ts', 'doctor.ts', 'doctor/', 'tenants/cli.ts', 'tenants/read-secret.ts'],
  ],
  ['transports and surfaces', ['transports/', 'surfaces/', 'app/preview.ts']],
  ['server', ['server.ts', 'app/', 'config.ts', 'settings.ts']],
  ['tools', ['tools/', 'resources/', 'prompts/', 'error-text.ts']],
  ['runtime', ['runtime.ts', 'per-runtime.ts', 'tenants/']],
  ['consent and live', ['consent/', 'live/', 'media/', 'sandbox/']],
  ['store', ['store/']],
  ['log', ['log.ts', 'config-shape.ts']],
  ['api', ['api/']],
  ['leaf', ['version.ts', 'clean-text.ts', 'read-body.ts', 'resource-uris.ts']],
];

/** The layer's index (0 = top) of a path relative to src/, or undefined when no entry claims it. */
export function layerOf(rel: string): number | undefined {
  let best: { index: number; length: number } | undefined;
  LAYERS.forEach(([, paths], index) => {
    for (const p of paths) {
      const hit = p.endsWith('/') ? rel.startsWith(p) : rel === p;
      if (hit && (!best || p.length > best.length)) best = { index, length: p.length };
    }
  });
  return best?.index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.[cm]?tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** `./x.js` from src/a/b.ts → `a/x.ts` (relative to src/); undefined for packages and paths outside src/. */
function resolveInSrc(src: string, from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const abs = path.resolve(path.dirname(from), spec.replace(/\.([cm]?)js$/, '.$1ts'));
  const rel = path.relative(src, abs).split(path.sep).join('/');
  return rel.startsWith('..') ? undefined : rel;
}

const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

function longFunctions(sf: ts.SourceFile): Array<{ line: number; lines: number; name: string }> {
  const found: Array<{ line: number; lines: number; name: string }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const line = lineOf(sf, node.getStart(sf));
      const lines = lineOf(sf, node.getEnd()) - line + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
        found.push({ line, lines, name });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every broken rule under `root`/src, one line each, empty when the shape holds. */
export function checkShape(root: string): string[] {
  const src = path.join(root, 'src');
  const problems: string[] = [];
  for (const file of sourceFiles(src)) {
    const rel = path.relative(src, file).split(path.sep).join('/');
    const shown = `src/${rel}`;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) {
      problems.push(`${shown}: ${lines} lines (at most ${MAX_FILE_LINES}): split it by what each part does.`);
    }
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    for (const f of longFunctions(sf)) {
      problems.push(
        `${shown}:${f.line}: function ${f.name} has ${f.lines} lines (at most ${MAX_FUNCTION_LINES}): split it.`,
      );
    }
    const own = layerOf(rel);
    if (own === undefined) {
      problems.push(`${shown}: belongs to no layer: add it to LAYERS in scripts/check-shape.ts.`);
      continue;
    }
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      const target = resolveInSrc(src, file, imported.fileName);
      if (target === undefined) continue;
      const theirs = layerOf(target);
      if (theirs === undefined || theirs >= own) continue;
      const line = lineOf(sf, imported.pos);
      problems.push(
        `${shown}:${line}: imports src/${target} (layer "${LAYERS[theirs]![0]}"), above its own layer ` +
          `"${LAYERS[own]![0]}": layers only point down. Pass what is needed in, or move the shared part down.`,
      );
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = checkShape(root);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-shape: ${problems.length} problem(s).`);
    process.exit(1);
  }
}
