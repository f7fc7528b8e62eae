/**
 * The lint's shape rules bite: planted upward imports, an unplaced file, an over-long file and
 * function, and an import cycle (Biome, with the repository's biome.json) all fail.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkShape, layerOf } from '../scripts/check-shape.js';

const repo = path.resolve(import.meta.dirname, '..');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'shape-'));
  roots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const fn = (name: string, lines: number) =>
  `export function ${name}() {\n${'  void 0;\n'.repeat(lines - 2)}}\n`;

describe('layers', () => {
  it('places the folders, the store below consent and above the api', () => {
    const order = [
      'cli.ts',
      'transports/http.ts',
      'server.ts',
      'tools/x.ts',
      'runtime.ts',
      'consent/gate.ts',
    ];
    const below = ['store/x.ts', 'log.ts', 'api/client.ts', 'version.ts'];
    const indexes = [...order, ...below].map((f) => layerOf(f)!);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(layerOf('live/watcher.ts')).toBe(layerOf('consent/gate.ts'));
    expect(layerOf('app/preview.ts')).toBe(layerOf('transports/http.ts'));
    expect(layerOf('app/resource.ts')).toBe(layerOf('server.ts'));
    expect(layerOf('nowhere/x.ts')).toBeUndefined();
  });

  it('fails on an upward import (static, type-only, dynamic, re-export) and on a file of no layer', () => {
    const root = tree({
      'src/tools/define.ts': "import type { Gate } from '../consent/gate.js';\nexport type T = Gate;\n",
      'src/consent/gate.ts': "import type { T } from '../tools/define.js';\nexport type Gate = T;\n",
      'src/store/money.ts':
        "import { x } from '../api/client.js';\nimport { log } from '../log.js';\nexport { g } from '../consent/gate.js';\nexport const m = [x, log];\n",
      'src/api/client.ts': "export const x = 1;\nexport const late = () => import('../live/watcher.js');\n",
      'src/api/errors/deep.ts': "import { RT } from '../../runtime.js';\nexport const d = RT;\n",
      'src/live/watcher.ts': "import { x } from '../api/client.js';\nexport const w = x;\n",
      'src/log.ts': 'export const log = 1;\n',
      'src/runtime.ts': "import { w } from './live/watcher.js';\nexport const RT = w;\n",
      'src/elsewhere/odd.ts': 'export const odd = 1;\n',
    });
    const problems = checkShape(root);
    const upward = (file: string, target: string) =>
      problems.some((p) => p.startsWith(`src/${file}:`) && p.includes(`imports src/${target} `));
    expect(upward('consent/gate.ts', 'tools/define.ts')).toBe(true);
    expect(upward('store/money.ts', 'consent/gate.ts')).toBe(true);
    expect(upward('api/client.ts', 'live/watcher.ts')).toBe(true);
    expect(upward('api/errors/deep.ts', 'runtime.ts')).toBe(true);
    expect(problems).toContain(
      'src/elsewhere/odd.ts: belongs to no layer: add it to LAYERS in scripts/check-shape.ts.',
    );
    // Downward imports pass: tools → consent, store → api and log, live → api, runtime → live.
    expect(problems).toHaveLength(5);
  });

  it('fails on an import cycle, type-only ones included (Biome noImportCycles)', async () => {
    const config = JSON.parse(readFileSync(path.join(repo, 'biome.json'), 'utf8'));
    delete config.$schema;
    const root = tree({
      'biome.json': JSON.stringify(config),
      'src/live/a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\n",
      'src/live/b.ts': "import type { A } from './a.js';\nexport type B = { a?: A };\n",
      'src/live/c.ts': "import type { A } from './a.js';\nexport type C = A;\n",
    });
    const biome = path.join(repo, 'node_modules', '.bin', 'biome');
    const run = promisify(execFile)(biome, ['lint', '--max-diagnostics=50', 'src'], { cwd: root });
    const failed = await run.then(
      () => undefined,
      (err: { stdout: string; stderr: string }) => err.stdout + err.stderr,
    );
    expect(failed).toBeDefined();
    expect(failed).toContain('noImportCycles');
    expect(failed).toMatch(/a\.ts/);
    expect(failed).not.toMatch(/c\.ts:\d/);
  });
});

describe('sizes', () => {
  it('fails on a file over 400 lines and a function over 80, counted from its first line to its last', () => {
    const root = tree({
      'src/tools/long.ts': `${fn('ok', 80)}${'// filler\n'.repeat(400 - 80)}`,
      'src/tools/longer.ts': `${fn('tooLong', 81)}${'// filler\n'.repeat(401 - 81)}`,
      'src/tools/method.ts': `export class K {\n  m() {\n${'    void 0;\n'.repeat(80)}  }\n}\n`,
    });
    expect(checkShape(root).sort()).toEqual([
      'src/tools/longer.ts: 401 lines (at most 400): split it by what each part does.',
      'src/tools/longer.ts:1: function tooLong has 81 lines (at most 80): split it.',
      'src/tools/method.ts:2: function m has 82 lines (at most 80): split it.',
    ]);
  });
});
