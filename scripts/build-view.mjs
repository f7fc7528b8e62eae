/**
 * Builds the storyboard MCP App into ONE self-contained HTML document (dist/app/storyboard.html):
 * the view's script and styles are inlined, nothing is fetched at run time (hosts forbid it by
 * default, and no external script, font or tracker belongs in a person's conversation).
 *
 * esbuild (already used for the CLI) does the bundling; inlining the two outputs into the template
 * is a string replacement, not worth a plugin. zod's ~40 translated error locales are dropped:
 * ext-apps imports zod's full API, the view never shows a zod message, and they were 40 % of the bytes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const englishOnlyZod = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /locales\/index\.js$/ }, (a) =>
      a.importer.includes('/zod/') ? { path: 'zod-locales', namespace: 'zod-en' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: process.cwd(),
    }));
  },
};

/** Bundles one browser entry; esbuild's whole result (the bench reads its metafile). */
export function bundleBrowserResult(entry, extra = {}) {
  return build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    plugins: [englishOnlyZod],
    logLevel: 'warning',
    ...extra,
  });
}

/** Bundles one browser entry and returns its code. */
export async function bundleBrowser(entry, extra = {}) {
  return (await bundleBrowserResult(entry, extra)).outputFiles[0].text;
}

/** `</script` inside inlined code would end the element early. */
const inlineSafe = (js) => js.replace(/<\/script/gi, '<\\/script');

export async function buildStoryboardHtml() {
  const [template, css, js] = await Promise.all([
    readFile('view/storyboard.html', 'utf8'),
    build({
      entryPoints: ['view/styles.css'],
      bundle: true,
      minify: true,
      write: false,
      logLevel: 'warning',
    }),
    bundleBrowser('view/main.ts'),
  ]);
  return template
    .replace('/*STYLE*/', () => css.outputFiles[0].text.trim())
    .replace('/*SCRIPT*/', () => inlineSafe(js));
}

/** The preview command's host page (not sent to any host: size is no concern). */
export async function buildPreviewHtml() {
  const [template, js] = await Promise.all([
    readFile('view/preview.html', 'utf8'),
    bundleBrowser('view/preview-host.ts'),
  ]);
  return template.replace('/*SCRIPT*/', () => inlineSafe(js));
}

// Run as a script (npm run build), it writes the two pages; imported (the bench), it only lends its functions.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await mkdir('dist/app', { recursive: true });
  await Promise.all([
    buildStoryboardHtml().then((html) => writeFile('dist/app/storyboard.html', html)),
    buildPreviewHtml().then((html) => writeFile('dist/app/preview.html', html)),
  ]);
}
