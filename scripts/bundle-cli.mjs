/**
 * Bundles the CLI into one file after `tsc`: a host spawns it on every start, and resolving and
 * loading ~150 small ESM files costs more than the work itself (see bench/README.md). The library
 * entry (dist/index.js) stays unbundled. The sandbox stays a separate module: it is loaded only in
 * sandbox mode and finds its assets relative to its own file. undici stays external: the client
 * imports it on the first request, not at start-up. The image codec (src/media/imaging.ts with
 * jimp) becomes its own one-file bundle, dist/media/imaging.js, loaded only when images are asked for.
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Every import of the imaging module, from any folder, points at dist/media/imaging.js at run time. */
const imagingExternal = {
  name: 'imaging-external',
  setup(b) {
    b.onResolve({ filter: /(^|\/)imaging\.js$/ }, () => ({ path: './media/imaging.js', external: true }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Some bundled CommonJS code calls require() or reads __filename (write-file-atomic): give it both in ESM.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nimport { fileURLToPath as __fileURLToPath } from 'node:url';\nconst require = __createRequire(import.meta.url);\nconst __cjsFilename = __fileURLToPath(import.meta.url);",
  },
  define: { __filename: '__cjsFilename' },
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  sourcemap: 'linked',
  external: ['./sandbox/*', 'undici', 'redis'],
  plugins: [imagingExternal],
});

await build({
  ...common,
  entryPoints: ['src/media/imaging.ts'],
  outfile: 'dist/media/imaging.js',
});
// tsc's map described the unbundled file this build replaced.
rmSync('dist/media/imaging.js.map', { force: true });
