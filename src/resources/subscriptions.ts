/**
 * `resources/subscribe` / `resources/unsubscribe` for 2025-era connections (stdio and sessionful
 * HTTP): which URIs a connection follows is tracked here, per server instance, mirrored in
 * `session.subscriptions`; the watcher follows those projects, and each change is sent to this
 * connection only for the URIs it subscribed to. Closing the connection unfollows everything.
 */
import { type McpServer, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { endedLogData, isEnding } from '../live/change.js';
import { parseProjectUri } from '../resource-uris.js';
import type { Runtime, SessionState } from '../runtime.js';

export function registerSubscriptions(server: McpServer, rt: Runtime, session: SessionState): void {
  const live = rt.live;
  const follows = new Map<string, () => void>();
  let stopPublishing: (() => void) | undefined;
  let stopLogging: (() => void) | undefined;

  const startPublishing = () => {
    if (!live || stopPublishing) return;
    stopPublishing = live.addPublisher((uri) => {
      if (!follows.has(uri)) return;
      server.server.sendResourceUpdated({ uri }).catch(() => {});
    });
    stopLogging = live.watcher.onChange((change) => {
      if (!isEnding(change)) return;
      const followed = [...follows.keys()].some((u) => parseProjectUri(u)?.id === change.projectId);
      if (!followed) return;
      server.server
        .sendLoggingMessage({ level: 'info', logger: 'scene-projects', data: endedLogData(change) })
        .catch(() => {});
    });
  };

  const drop = (uri: string) => {
    const release = follows.get(uri);
    if (!release) return;
    follows.delete(uri);
    session.subscriptions.delete(uri);
    release();
  };

  server.server.setRequestHandler('resources/subscribe', (request) => {
    const uri = request.params.uri;
    if (!parseProjectUri(uri)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Cannot subscribe to ${uri}: subscribe to scene-projects://projects/{id} or scene-projects://projects/{id}/storyboard.`,
      );
    }
    session.subscriptions.add(uri);
    if (!follows.has(uri)) {
      startPublishing();
      follows.set(uri, live ? live.listenOpened([uri]) : () => {});
    }
    return {};
  });

  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    drop(request.params.uri);
    return {};
  });

  const previous = server.server.onclose;
  server.server.onclose = () => {
    for (const uri of [...follows.keys()]) drop(uri);
    stopPublishing?.();
    stopLogging?.();
    stopPublishing = stopLogging = undefined;
    previous?.();
  };
}
