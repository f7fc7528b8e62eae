/**
 * 2026-07-28 clients over HTTP: stateless, a fresh server instance per request from the SDK's strict
 * `createMcpHandler(..., { legacy: 'reject' })`. Resource updates reach open `subscriptions/listen`
 * streams through the handler's notifier; the live layer learns which projects are listened to.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { Runtime } from '../runtime.js';
import { type BuildOptions, buildServer, newSession } from '../server.js';
import { storeEventBus } from './http-bus.js';

export interface ModernHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  close(): Promise<void>;
}

export function modernHandler(rt: Runtime, buildOpts: BuildOptions, maxBody: number): ModernHandler {
  const { logger } = rt;
  // Every request shares this one SessionState. Its budget is rt.budget itself — the server-wide
  // credit limit — because there is no session to hang a per-session limit on.
  const state = newSession(rt, 'http-modern');
  // Replicas sharing a store share listen events too: a change reaches every replica's streams.
  const bus = rt.store.events ? storeEventBus(rt.store.events, `mcp-bus:${rt.account}`, logger) : undefined;
  const handler = createMcpHandler((ctx) => buildServer(rt, state, ctx, buildOpts), {
    ...(bus && { bus }),
    legacy: 'reject',
    maxRequestBodySize: maxBody,
    onerror: (err) => logger.debug('modern HTTP exchange error', { error: err.message }),
  });
  const nodeOpts = {
    maxRequestBodySize: maxBody,
    onerror: (err: Error) => logger.warn('modern HTTP handler failed', { error: err.message }),
  };
  // With a shared bus only the replica that polled publishes; the bus carries it to the others.
  const unpublish = rt.live?.addPublisher((uri) => handler.notify.resourceUpdated(uri), { localOnly: !!bus });

  return {
    async handle(req, res, body) {
      const uris = listenedUris(body);
      if (uris.length && rt.live) res.once('close', rt.live.listenOpened(uris));
      // The web Request is kept alive until the response closes. Its signal — which the SDK's listen
      // stream waits on to end — follows the client's disconnect only through a WeakRef to the
      // Request's own controller (undici): once nothing else held the Request, a collected Request
      // left a closed client's listen stream open, in the SDK's subscription table and in memory.
      const serve = toNodeHandler(
        {
          fetch: (request: Request, o?: Parameters<typeof handler.fetch>[1]) => {
            res.once('close', () => void request.signal);
            return handler.fetch(request, o);
          },
        },
        nodeOpts,
      );
      await serve(req, res, body);
    },
    async close() {
      unpublish?.();
      await handler.close();
      await bus?.close();
    },
  };
}

/** The resource URIs a `subscriptions/listen` request asks for (none for any other body). */
export function listenedUris(body: unknown): string[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const msg = body as { method?: unknown; id?: unknown; params?: unknown };
  if (msg.method !== 'subscriptions/listen' || msg.id === undefined) return [];
  // SubscriptionsListenRequestParams: { notifications: { resourceSubscriptions?: string[], ... } }
  const filter = (msg.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)
    ?.notifications;
  return Array.isArray(filter?.resourceSubscriptions)
    ? filter.resourceSubscriptions.filter((u): u is string => typeof u === 'string')
    : [];
}
