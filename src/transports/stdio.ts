/**
 * stdio: one connection, one session. stdout carries JSON-RPC only; every log goes to stderr.
 *
 * `serveStdio` serves both eras. On a 2026-era connection it answers `subscriptions/listen` itself
 * and routes the pinned instance's `resources/updated` onto the open streams; the watcher must
 * still learn which projects are listened to, so the transport handed to `serveStdio` is tapped:
 * a listen request opens a follow (rt.live.listenOpened), its cancellation, its final response or
 * the connection's end closes it, and each change of a listened URI is sent through the pinned
 * instance. 2025-era subscriptions (resources/subscribe) are handled on the instance itself.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type McpServer,
  type Transport,
} from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { endedLogData, isEnding } from '../live/change.js';
import { parseProjectUri } from '../resource-uris.js';
import type { Runtime } from '../runtime.js';
import { type BuildOptions, buildServer, newSession } from '../server.js';
import { stdioGate } from './stdio-gate.js';

export interface StdioModeOptions {
  /** Any Transport (tests pass one end of an in-memory pair). Default: the process's stdin/stdout. */
  transport?: Transport;
}

type Id = string | number;

/** Wraps a transport, showing every inbound and outbound message to `tap` before passing it on. */
export class TappedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  constructor(
    private readonly inner: Transport,
    private readonly tap: {
      inbound?: (m: JSONRPCMessage) => void;
      outbound?: (m: JSONRPCMessage) => void;
      closed?: () => void;
    },
  ) {
    inner.onmessage = (message, extra) => {
      try {
        tap.inbound?.(message);
      } catch {
        // the tap never blocks the connection
      }
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => {
      try {
        tap.closed?.();
      } finally {
        this.onclose?.();
      }
    };
    inner.onerror = (error) => this.onerror?.(error);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion = (version: string): void => {
    this.inner.setProtocolVersion?.(version);
  };

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    try {
      this.tap.outbound?.(message);
    } catch {
      // the tap never blocks the connection
    }
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The 2026-era listen streams of one stdio connection, as the watcher needs to know them. */
export class ListenTracker {
  private readonly open = new Map<Id, { uris: string[]; close: () => void }>();
  private readonly counts = new Map<string, number>();
  private stopPublishing?: () => void;
  private stopLogging?: () => void;

  constructor(
    private readonly rt: Runtime,
    /** The instance serving the connection and its era (the last one the factory built). */
    private readonly pinned: () => { server: McpServer; era: 'legacy' | 'modern' } | undefined,
  ) {}

  inbound(m: JSONRPCMessage): void {
    if (isJSONRPCRequest(m) && m.method === 'subscriptions/listen') {
      const subs = (m.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)
        ?.notifications?.resourceSubscriptions;
      const uris = Array.isArray(subs)
        ? [...new Set(subs.filter((u): u is string => typeof u === 'string' && !!parseProjectUri(u)))]
        : [];
      if (!uris.length || !this.rt.live) return;
      this.closeOne(m.id);
      this.startPublishing();
      for (const u of uris) this.counts.set(u, (this.counts.get(u) ?? 0) + 1);
      this.open.set(m.id, { uris, close: this.rt.live.listenOpened(uris) });
      return;
    }
    if (isJSONRPCNotification(m) && m.method === 'notifications/cancelled') {
      const id = (m.params as { requestId?: Id } | undefined)?.requestId;
      if (id !== undefined) this.closeOne(id);
    }
  }

  outbound(m: JSONRPCMessage): void {
    // The listen request's own response ends the stream (graceful end, or a refusal).
    if (isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m)) {
      if (m.id !== undefined && m.id !== null) this.closeOne(m.id as Id);
    }
  }

  /** URIs currently listened to on this connection. */
  listened(): string[] {
    return [...this.counts.keys()];
  }

  closeAll(): void {
    for (const id of [...this.open.keys()]) this.closeOne(id);
    this.stopPublishing?.();
    this.stopLogging?.();
    this.stopPublishing = this.stopLogging = undefined;
  }

  private closeOne(id: Id): void {
    const l = this.open.get(id);
    if (!l) return;
    this.open.delete(id);
    for (const u of l.uris) {
      const n = (this.counts.get(u) ?? 1) - 1;
      if (n > 0) this.counts.set(u, n);
      else this.counts.delete(u);
    }
    l.close();
  }

  private startPublishing(): void {
    if (this.stopPublishing || !this.rt.live) return;
    this.stopPublishing = this.rt.live.addPublisher((uri) => {
      const p = this.pinned();
      if (p?.era !== 'modern' || !this.counts.has(uri)) return;
      // serveStdio routes this onto every open listen stream whose filter names the URI.
      p.server.server.sendResourceUpdated({ uri }).catch(() => {});
    });
    this.stopLogging = this.rt.live.watcher.onChange((change) => {
      const p = this.pinned();
      if (p?.era !== 'modern' || !isEnding(change)) return;
      if (!this.listened().some((u) => parseProjectUri(u)?.id === change.projectId)) return;
      p.server.server
        .sendLoggingMessage({ level: 'info', logger: 'scene-projects', data: endedLogData(change) })
        .catch(() => {});
    });
  }
}

export function serveStdioMode(
  rt: Runtime,
  opts: BuildOptions = {},
  io: StdioModeOptions = {},
): { close(): Promise<void> } {
  const session = newSession(rt, 'stdio');
  let pinned: { server: McpServer; era: 'legacy' | 'modern' } | undefined;
  const listens = new ListenTracker(rt, () => pinned);
  // The gate answers the requests the SDK's stdio transport would drop unanswered (stdio-gate.ts).
  const gate = io.transport
    ? undefined
    : stdioGate(process.stdin, process.stdout, { log: (line) => rt.logger.warn(line) });
  const wire = io.transport ?? new StdioServerTransport(gate?.input, process.stdout);
  const transport = new TappedTransport(wire, {
    inbound: (m) => listens.inbound(m),
    outbound: (m) => listens.outbound(m),
    closed: () => {
      gate?.detach();
      listens.closeAll();
    },
  });
  const handle = serveStdio(
    (ctx) => {
      const server = buildServer(rt, session, ctx, opts);
      pinned = { server, era: ctx.era === 'modern' ? 'modern' : 'legacy' };
      return server;
    },
    {
      transport,
      // The first line only: a validation error's message is a multi-kilobyte dump.
      onerror: (err) => rt.logger.warn(`stdio transport error: ${firstLine(err.message)}`),
    },
  );
  rt.logger.info(
    `serving MCP over stdio (${rt.sandbox ? 'sandbox' : rt.config.api.token ? 'live API' : 'no API token set'})`,
  );
  return {
    async close() {
      await handle.close();
      gate?.detach();
      listens.closeAll();
    },
  };
}

function firstLine(text: string, max = 200): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
