/**
 * The live layer: the one ProjectWatcher, and the hooks transports use to follow what clients listen
 * to (`listenOpened`) and to publish `resources/updated` to them (`addPublisher`). createRuntime
 * builds it and hands it on as `rt.live`; whoever needs it takes it from there.
 */
import type { SceneProjectsApi } from '../api/contract.js';
import type { Logger } from '../log.js';
import { parseProjectUri, projectResourceUris } from '../resource-uris.js';
import type { ProjectChange } from './change.js';
import type { WatcherTiming } from './timing.js';
import { ProjectWatcher } from './watcher.js';

export interface LiveHooks {
  /** A 2026-era client opened `subscriptions/listen` for these URIs; call the returned function when it closes. */
  listenOpened(uris: string[]): () => void;
  /** A transport that can reach modern listeners registers how to publish `resources/updated` to them. */
  addPublisher(publish: (uri: string) => void): () => void;
}

export interface LiveLayer extends LiveHooks {
  watcher: ProjectWatcher;
  close(): void;
}

export function createLiveLayer(opts: {
  api: SceneProjectsApi;
  logger: Logger;
  timing?: Partial<WatcherTiming>;
}): LiveLayer {
  const watcher = new ProjectWatcher({ api: opts.api, logger: opts.logger, ...opts.timing });
  const publishers = new Set<(uri: string) => void>();
  const offChange = watcher.onChange((change: ProjectChange) => {
    for (const publish of [...publishers]) {
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
    addPublisher(publish) {
      publishers.add(publish);
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
