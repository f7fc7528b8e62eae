/**
 * Done-when, over Streamable HTTP: a 2025-era client (sessionful, resources/subscribe) and a
 * 2026-era client (stateless, subscriptions/listen) each subscribe to a project's resource during
 * a sandbox generation and receive resources/updated through to `completed`.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../src/transports/http.js';
import { until } from './helpers/wait.js';
import { type Era, followToCompletion, type LiveEnv, liveEnv, watcherOf } from './live-harness.js';

describe('subscriptions over HTTP', () => {
  let env: LiveEnv;
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    env = await liveEnv({
      timeScale: 5,
      watch: { minIntervalMs: 100, maxIntervalMs: 400, progressCapMs: 200 },
    });
    http = await startHttpServer(env.rt, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await http?.close();
    await env?.close();
  });

  it.each<Era>(['legacy', 'modern'])('%s client receives updates through to completed', async (era) => {
    const client = new Client(
      { name: `http-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {},
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    try {
      expect((client.getNegotiatedProtocolVersion() ?? '').startsWith('2026')).toBe(era === 'modern');
      const { updates, final } = await followToCompletion(client, era);
      expect(updates.length).toBeGreaterThanOrEqual(3);
      expect(final.status).toBe('completed');
      const id = final.id as number;
      // Unsubscribing (or closing the listen stream) lets the watcher drop the project.
      await until(() => watcherOf(env.rt).followers(id) === 0, 'the watcher to drop the project', 3000);
    } finally {
      await client.close();
    }
  });
});
