/**
 * The storyboard app's one UI resource: a self-contained HTML document built into dist/app/ by
 * `npm run build` (scripts/build-view.mjs). It is read from disk on the first `resources/read`
 * only, so a server that never meets an app-rendering host never loads it.
 */
import { readFile } from 'node:fs/promises';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { APP_MIME_TYPE } from './capability.js';

export const STORYBOARD_APP_URI = 'ui://scene-projects/storyboard';

// The CLI is bundled into dist/cli.js, the library is not (dist/app/resource.js), and tests run
// the sources: the same file is found from each.
const CANDIDATES = ['./app/storyboard.html', './storyboard.html', '../../dist/app/storyboard.html'];

let cached: Promise<string> | undefined;

export function loadStoryboardHtml(): Promise<string> {
  cached ??= (async () => {
    for (const rel of CANDIDATES) {
      try {
        return await readFile(new URL(rel, import.meta.url), 'utf8');
      } catch {
        // try the next location
      }
    }
    cached = undefined;
    throw new Error(
      'The storyboard app is not built: run `npm run build` (it writes dist/app/storyboard.html).',
    );
  })();
  return cached;
}

/**
 * Origins the view may load images and videos from: the configured media hosts (the real service
 * serves media from storage.twin.actor, not the API's origin) and the API's own origin (the
 * sandbox, or a deployment that serves media itself).
 */
export function mediaOrigins(rt: Runtime): string[] {
  return [...new Set([...rt.config.app.mediaOrigins, new URL(rt.config.api.url).origin])];
}

export function registerStoryboardResource(server: McpServer, rt: Runtime): void {
  const uiMeta = { csp: { resourceDomains: mediaOrigins(rt) }, prefersBorder: true };
  server.registerResource(
    'storyboard-app',
    STORYBOARD_APP_URI,
    {
      title: 'Storyboard app',
      description: 'Interactive storyboard of a scene project (MCP Apps view).',
      mimeType: APP_MIME_TYPE,
      _meta: { ui: uiMeta },
    },
    async () => ({
      contents: [
        {
          uri: STORYBOARD_APP_URI,
          mimeType: APP_MIME_TYPE,
          text: await loadStoryboardHtml(),
          _meta: { ui: uiMeta },
        },
      ],
    }),
  );
}
