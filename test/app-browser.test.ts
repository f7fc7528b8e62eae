/**
 * The storyboard app in a real browser: headless Chromium on the preview command's host page
 * (ext-apps AppBridge over a real MCP client) against the built server on the sandbox. Every
 * spend is checked on the sandbox ledger.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPreview } from '../dist/app/preview.js';
import { loadConfig } from '../dist/config.js';
import { describeWithBrowser, launchBrowser } from './helpers/browser.js';

type Preview = Awaited<ReturnType<typeof startPreview>>;
type CallResult = { isError?: boolean; structuredContent?: Record<string, unknown> };
interface HostWindow {
  previewHost: {
    ready: Promise<void>;
    tools: Map<string, unknown>;
    client: { callTool(p: { name: string; arguments: Record<string, unknown> }): Promise<CallResult> };
  };
}

const UNTIL = { timeout: 20_000 };

describeWithBrowser('storyboard app in Chromium', () => {
  let browser: Browser;
  let preview: Preview;
  let page: Page;
  let view: FrameLocator;
  let projectId: number;

  const ledger = () =>
    preview.rt.sandbox!.ledger().entries.map((e) => ({ kind: e.kind, credits: e.credits }));
  /** A tool call through the page's own MCP client (it announces the UI extension). */
  const hostCall = (name: string, args: Record<string, unknown>) =>
    page.evaluate(
      ([n, a]) =>
        (globalThis as unknown as HostWindow).previewHost.client.callTool({ name: n, arguments: a }),
      [name, args] as const,
    );
  /** The arguments of the view's last call to a tool, as the host page logged them. */
  const lastViewCall = async (tool: string) => {
    const line =
      (await page.locator(`#log li[data-kind="view calls"]`, { hasText: tool }).first().textContent()) ?? '';
    return JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
  };
  const status = () => view.locator('#status');

  beforeAll(async () => {
    const config = loadConfig(['preview', '--port', '0', '--time-scale', '10', '--log-level', 'silent'], {});
    [browser, preview] = await Promise.all([launchBrowser(), startPreview(config)]);
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(preview.url);
    await page.evaluate(() => (globalThis as unknown as HostWindow).previewHost.ready);
    view = page.frameLocator('#view iframe');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });

  it('renders every scene of a created project, each with its image placeholder', async () => {
    await page.fill('#scenes', '3');
    await page.click('#create');
    await expect.poll(() => view.locator('li.card').count(), UNTIL).toBe(3);
    expect(await view.locator('li.card .placeholder').count()).toBe(3);
    await expect.poll(() => status().textContent(), UNTIL).toBe('proposed');
    projectId = Number(await page.inputValue('#pid'));
    expect(projectId).toBeGreaterThan(0);
  });

  it('an inline edit reaches the sandbox and the assistant is told', async () => {
    const narration = view.locator('li.card[data-scene="2"] textarea[data-field="narration_text"]');
    await narration.fill('The keeper reads the letter by lamplight.');
    await view.locator('[data-save="2:narration_text"]').click();
    await expect.poll(() => view.locator('.notice').textContent(), UNTIL).toContain('Saved scene 2');
    const r = await preview.rt.api.getProject(projectId);
    expect(r.scenes?.find((s) => s.scene_number === 2)?.narration_text).toBe(
      'The keeper reads the letter by lamplight.',
    );
    await expect(page.locator('#log li[data-kind="model context"]').first().textContent()).resolves.toContain(
      'The keeper reads the letter by lamplight.',
    );
  });

  it('Generate shows the quoted figure; one click spends it once; a second click, a replay or a stale quote spends nothing', async () => {
    // A quote the host's client obtains now goes stale with the edit below.
    const stale = (await hostCall('storyboard_spend', { action: 'approve_project', project_id: projectId }))
      .structuredContent?.quote as { quote_token: string };
    const scene3 = view.locator('li.card[data-scene="3"] textarea[data-field="description"]');
    await scene3.fill('A calm dawn over the sea.');
    await view.locator('[data-save="3:description"]').click();
    await expect.poll(() => view.locator('.notice').textContent(), UNTIL).toContain('Saved scene 3');

    const generate = view.locator('#generate');
    await expect.poll(() => generate.textContent(), UNTIL).toBe('Generate the video — 300 credits');
    await expect.poll(() => generate.isEnabled(), UNTIL).toBe(true);
    expect(ledger()).toEqual([]);
    await generate.dblclick();
    await expect.poll(() => status().textContent(), UNTIL).not.toBe('proposed');
    expect(ledger()).toEqual([{ kind: 'approve', credits: 300 }]);

    const replay = await hostCall('storyboard_spend', await lastViewCall('quote_token'));
    expect(replay.isError).toBe(true);
    const old = await hostCall('storyboard_spend', {
      action: 'approve_project',
      project_id: projectId,
      quote_token: stale.quote_token,
      credits: 300,
    });
    expect(old.isError).toBe(true);
    expect(ledger()).toEqual([{ kind: 'approve', credits: 300 }]);
  });

  it('follows progress to completed, shows every image, and the <video> loads the final MP4', async () => {
    await expect.poll(() => status().textContent(), { timeout: 60_000 }).toBe('completed');
    await expect
      .poll(
        () =>
          view
            .locator('li.card img')
            .evaluateAll((imgs) =>
              imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0),
            ),
        UNTIL,
      )
      .toEqual([true, true, true]);
    const video = view.locator('.player video').first();
    await expect
      .poll(
        () =>
          video.evaluate((el) => {
            const v = el as unknown as { readyState: number; duration: number };
            return v.readyState >= 1 ? v.duration : 0;
          }),
        UNTIL,
      )
      .toBeGreaterThan(0);
    expect(await video.getAttribute('src')).toMatch(/\.mp4($|\?)/);
  });

  it('a regenerate from the view spends 100 once', async () => {
    await view.locator('li.card[data-scene="2"] button', { hasText: 'Regenerate…' }).click();
    const button = view.locator('[data-regenerate="scene"]');
    await expect.poll(() => button.textContent(), UNTIL).toBe('Regenerate — 100 credits');
    await button.click();
    await expect.poll(ledger, UNTIL).toEqual([
      { kind: 'approve', credits: 300 },
      { kind: 'regenerate', credits: 100 },
    ]);
    await expect.poll(() => status().textContent(), { timeout: 60_000 }).toBe('completed');
    expect(ledger()).toHaveLength(2);
  });

  it('Upscale (free) from the view spends nothing, and the upscaled video plays beside the final one', async () => {
    await view.locator('#upscale').click();
    await expect.poll(() => view.locator('.notice').textContent(), UNTIL).toContain('Upscaling started');
    await expect.poll(() => view.locator('.player video').count(), { timeout: 60_000 }).toBe(2);
    expect(await status().textContent()).toBe('completed');
    const upscaled = view.locator('.player', { hasText: 'Upscaled video' }).locator('video');
    expect(await upscaled.getAttribute('src')).toMatch(/_upscaled\.mp4($|\?)/);
    await expect
      .poll(
        () =>
          upscaled.evaluate((el) => {
            const v = el as unknown as { readyState: number; duration: number };
            return v.readyState >= 1 ? v.duration : 0;
          }),
        UNTIL,
      )
      .toBeGreaterThan(0);
    expect(await view.locator('#upscale').count()).toBe(0);
    expect(ledger()).toEqual([
      { kind: 'approve', credits: 300 },
      { kind: 'regenerate', credits: 100 },
      { kind: 'upscale', credits: 0 },
    ]);
    expect(preview.rt.sandbox!.ledger().spent).toBe(400);
  });

  it('a client without the UI extension is never offered the app-only tool', async () => {
    const plain = new Client({ name: 'plain', version: '1.0.0' });
    await plain.connect(new StreamableHTTPClientTransport(new URL('/mcp', preview.url)));
    try {
      const names = (await plain.listTools()).tools.map((t) => t.name);
      expect(names).toContain('approve_project');
      expect(names).not.toContain('storyboard_spend');
      const hostNames = await page.evaluate(() => [
        ...(globalThis as unknown as HostWindow).previewHost.tools.keys(),
      ]);
      expect(hostNames).toContain('storyboard_spend');
    } finally {
      await plain.close();
    }
  });
});
