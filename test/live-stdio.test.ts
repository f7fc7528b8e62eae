/**
 * Done-when, over real stdio: an outside MCP client spawns the built server (`node dist/cli.js
 * --sandbox --time-scale 5`), subscribes to a project's resource (2025: resources/subscribe; 2026:
 * subscriptions/listen), approves the generation, and receives resources/updated through to
 * `completed`; the resource then reads `completed`. Run `npm run build` first (npm test does).
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { builtCli } from './helpers/dist.js';
import { type Era, followToCompletion } from './live-harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = builtCli();

describe('subscriptions over stdio (spawned dist/cli.js)', () => {
  it.each<Era>(['legacy', 'modern'])('%s client receives updates through to completed', async (era) => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cli, '--sandbox', '--time-scale', '5', '--log-level', 'warn'],
      cwd: root,
      stderr: 'pipe',
    });
    const client = new Client(
      { name: `stdio-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
    );
    await client.connect(transport);
    try {
      expect((client.getNegotiatedProtocolVersion() ?? '').startsWith('2026')).toBe(era === 'modern');
      const { updates, final } = await followToCompletion(client, era);
      expect(updates.length).toBeGreaterThanOrEqual(3);
      expect(final.status).toBe('completed');
      expect(String(final.final_video_url)).toMatch(/^http/);
    } finally {
      await client.close();
    }
  });
});
