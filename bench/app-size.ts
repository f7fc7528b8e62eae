/**
 * The storyboard app's weight: dist/app/storyboard.html as a host receives it (raw, and gzipped as
 * HTTP would carry it), and what each part of the view's script costs (minified, from esbuild's
 * metafile), so the price of the framework choice (ext-apps' App, which brings the SDK's protocol
 * layer and zod) is visible next to the view's own code.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ROOT } from './lib.js';

export const APP_GZIP_GOAL_KB = 120;

export interface AppSize {
  rawKB: number;
  gzipKB: number;
  /** Minified script bytes by origin, KB: ext-apps, the MCP SDK, zod, the view, other. */
  scriptKB: Record<string, number>;
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

function origin(path: string): string {
  if (path.includes('@modelcontextprotocol/ext-apps')) return 'ext-apps';
  if (path.includes('@modelcontextprotocol/')) return 'MCP SDK';
  if (path.includes('/zod/') || path.startsWith('zod-')) return 'zod';
  if (path.startsWith('view/')) return 'view';
  return 'other';
}

export async function runAppSize(): Promise<AppSize> {
  const html = readFileSync(`${ROOT}dist/app/storyboard.html`);
  // @ts-expect-error: a plain .mjs build script, without types
  const { bundleBrowserResult } = (await import('../scripts/build-view.mjs')) as {
    bundleBrowserResult: (
      entry: string,
      extra: Record<string, unknown>,
    ) => Promise<{
      metafile: { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
    }>;
  };
  const { metafile } = await bundleBrowserResult('view/main.ts', { metafile: true, absWorkingDir: ROOT });
  const by: Record<string, number> = {};
  for (const out of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(out.inputs)) {
      const o = origin(path);
      by[o] = (by[o] ?? 0) + bytesInOutput;
    }
  }
  return {
    rawKB: kb(html.length),
    gzipKB: kb(gzipSync(html).length),
    scriptKB: Object.fromEntries(
      Object.entries(by)
        .filter(([, v]) => kb(v) > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, kb(v)]),
    ),
  };
}
