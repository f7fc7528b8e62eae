/**
 * The live layer: the one ProjectWatcher, and the hooks transports use to follow what clients listen
 * to (`listenOpened`) and to publish `resources/updated` to them (`addPublisher`). createRuntime
 * builds it and hands it on as `rt.live`; whoever needs it takes it from there.
 */
import type { SceneProjectsApi } from '../api/contract.js';
import type { Logger } from '../log.js';
import { parseProjectUri, projectResourceUris } from '../resource-uris.js';
import type { ProjectChange } from './change.js';
import type { PollShare } from './shared-polling.js';
import type { WatcherTiming } from './timing.js';
import { ProjectWatcher } from './watcher.js';

export interface LiveHooks {
  /** A 2026-era client opened `subscriptions/listen` for these URIs; call the returned function when it closes. */
  listenOpened(uris: string[]): () => void;
  /**
   * A transport that can reach modern listeners registers how to publish `resources/updated` to them.
   * `localOnly`: only changes this process polled, for a publisher whose bus reaches every replica.
   */
  addPublisher(publish: (uri: string) => void, opts?: { localOnly?: boolean }): () => void;
}

export interface LiveLayer extends LiveHooks {
  watcher: ProjectWatcher;
  close(): void;
}

export function createLiveLayer(opts: {
  api: SceneProjectsApi;
  logger: Logger;
  timing?: Partial<WatcherTiming>;
  /** Replicas sharing a store poll each project once between them. */
  share?: PollShare;
}): LiveLayer {
  const watcher = new ProjectWatcher({
    api: opts.api,
    logger: opts.logger,
    share: opts.share,
    ...opts.timing,
  });
  const publishers = new Map<(uri: string) => void, { localOnly?: boolean }>();
  const offChange = watcher.onChange((change: ProjectChange) => {
    for (const [publish, how] of [...publishers]) {
      if (change.fromPeer && how.localOnly) continue;
      for (const uri of projectResourceUris(change.projectId)) {
        try {
          publish(uri);
        } catch (err) {
          opts.logger.debug('publishing resources/updated failed', {
            uri,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    }
  });
  return {
    watcher,
    listenOpened(uris) {
      const ids = [...new Set(uris.map((u) => parseProjectUri(u)?.id).filter((x): x is number => !!x))];
      const releases = ids.map((id) => watcher.follow(id));
      let closed = false;
      return () => {
        if (closed) return;
        closed = true;
        for (const r of releases) r();
      };
    },
    addPublisher(publish, how = {}) {
      publishers.set(publish, how);
      return () => {
        publishers.delete(publish);
      };
    },
    close() {
      offChange();
      publishers.clear();
      watcher.close();
    },
  };
}
