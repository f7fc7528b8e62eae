/**
 * `scene-projects-mcp preview`: the storyboard app in a person's own browser, without any MCP host.
 * One loopback port serves the real MCP server at /mcp and, at /, a small host page (built from
 * view/preview-host.ts with ext-apps' AppBridge) that connects an MCP client to it, stands in for
 * the assistant's tool calls, and embeds the storyboard the way an app-rendering host does. The
 * browser tests use the same page.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from '../runtime.js';
import { startHttpServer } from '../transports/http.js';

export interface PreviewHandle {
  /** The host page, e.g. http://127.0.0.1:3333/ */
  url: string;
  rt: Runtime;
  /** Whether clicks spend real credits. */
  live: boolean;
  close(): Promise<void>;
}

const CANDIDATES = ['./app/preview.html', './preview.html', '../../dist/app/preview.html'];

async function hostPage(): Promise<string> {
  for (const rel of CANDIDATES) {
    try {
      return await readFile(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // try the next location
    }
  }
  throw new Error('The preview page is not built: run `npm run build` (it writes dist/app/preview.html).');
}

/** On the sandbox unless an API token is set (and --sandbox not given); always on loopback. */
export async function startPreview(config: Config, overrides: RuntimeOverrides = {}): Promise<PreviewHandle> {
  const live = !config.sandbox.enabled && !!config.api.token;
  const page = await hostPage();
  const rt = await createRuntime({ ...config, sandbox: { ...config.sandbox, enabled: !live } }, overrides);
  try {
    const http = await startHttpServer(rt, {
      host: '127.0.0.1',
      pages: {
        '/': (_req, res) => {
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            'x-content-type-options': 'nosniff',
          });
          res.end(page);
        },
      },
    });
    return {
      url: http.url.replace(/mcp$/, ''),
      rt,
      live,
      async close() {
        await http.close();
        await rt.close();
      },
    };
  } catch (err) {
    await rt.close();
    throw err;
  }
}
