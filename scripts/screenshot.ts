/**
 * `npm run screenshot`: the storyboard app in headless Chromium (Debian's `chromium`, or
 * CHROMIUM_PATH), on the preview command's host page over the built server on the sandbox, at the
 * width of a chat column. Writes assets/storyboard-proposed.png, -generating.png and -completed.png
 * (the README shows them). Needs `npm run build` first (the npm script does it).
 */
import { existsSync, statSync } from 'node:fs';
import { chromium, type FrameLocator, type Page } from 'playwright-core';
import { startPreview } from '../dist/app/preview.js';
import { loadConfig } from '../dist/config.js';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p && existsSync(p),
);
const OUT = new URL('../assets/', import.meta.url);
const WIDTH = 560;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function shoot(page: Page, name: string): Promise<void> {
  const path = new URL(`storyboard-${name}.png`, OUT);
  // The view's own frame: what a host shows in the conversation, without the preview page around it.
  await page.locator('#view iframe').screenshot({ path: path.pathname, animations: 'disabled' });
  process.stdout.write(
    `wrote assets/storyboard-${name}.png (${Math.round(statSync(path).size / 1024)} KB)\n`,
  );
}

async function main(): Promise<void> {
  if (!CHROMIUM) throw new Error('Chromium not found: apt-get install -y chromium, or set CHROMIUM_PATH.');
  const config = loadConfig(['preview', '--port', '0', '--time-scale', '1', '--log-level', 'silent'], {});
  const [browser, preview] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    startPreview(config),
  ]);
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 1400 }, colorScheme: 'light' });
    await page.goto(preview.url);
    await page.evaluate(
      () => (globalThis as unknown as { previewHost: { ready: Promise<void> } }).previewHost.ready,
    );
    const view: FrameLocator = page.frameLocator('#view iframe');
    const status = () => view.locator('#status').textContent();

    await page.fill('#scenes', '3');
    await page.click('#create');
    await waitFor('the proposed storyboard', async () => (await status()) === 'proposed');
    const generate = view.locator('#generate');
    await waitFor('the quoted figure', async () => /\d+ credits/.test((await generate.textContent()) ?? ''));
    await shoot(page, 'proposed');

    await generate.click();
    // Mid-way: some scenes have their image, others are still coming.
    await waitFor('a generation well under way', async () => {
      const v = await view
        .locator('.progress progress')
        .getAttribute('value')
        .catch(() => null);
      return Number(v) >= 40;
    });
    await shoot(page, 'generating');

    await waitFor('completed', async () => (await status()) === 'completed');
    await waitFor('every image and the video', async () =>
      view.locator('body').evaluate(() => {
        const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } })
          .document;
        const imgs = Array.from(d.querySelectorAll('li.card img')) as {
          complete: boolean;
          naturalWidth: number;
        }[];
        const video = d.querySelectorAll('.player video')[0] as { readyState: number } | undefined;
        return (
          imgs.length > 0 &&
          imgs.every((i) => i.complete && i.naturalWidth > 0) &&
          (video?.readyState ?? 0) >= 2
        );
      }),
    );
    await shoot(page, 'completed');
  } finally {
    await browser.close();
    await preview.close();
  }
}

main().catch((err) => {
  process.stderr.write(`screenshot failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
