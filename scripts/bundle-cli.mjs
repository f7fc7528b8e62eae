/**
 * Bundles the CLI into one file after `tsc`: a host spawns it on every start, and resolving and
 * loading ~150 small ESM files costs more than the work itself (see bench/README.md). The library
 * entry (dist/index.js) stays unbundled. The sandbox stays a separate module: it is loaded only in
 * sandbox mode and finds its assets relative to its own file. undici stays external: the client
 * imports it on the first request, not at start-up.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['./sandbox/*', 'undici'],
  // Some bundled CommonJS code calls require(); give it one in ESM.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
