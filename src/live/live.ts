/**
 * The runtime's live layer: the one ProjectWatcher, and the hooks transports use to follow what
 * clients listen to (`listenOpened`) and to publish `resources/updated` to them (`addPublisher`).
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { LiveHooks, Runtime } from '../runtime.js';
import { projectUri, storyboardUri } from '../tools/shapes.js';
import { type ProjectChange, ProjectWatcher, type WatcherTiming } from './watcher.js';

export interface LiveLayer {
  watcher: ProjectWatcher;
  hooks: LiveHooks;
  close(): void;
}

const layers = new WeakMap<object, LiveLayer>();

/** The live layer of a runtime built by createRuntime (undefined for hand-made runtimes). */
export function liveOf(rt: Runtime): LiveLayer | undefined {
  return layers.get(rt);
}

const URI_RE = /^scene-projects:\/\/projects\/(\d{1,12})(\/storyboard)?$/;

/** `scene-projects://projects/{id}` or `.../{id}/storyboard` → the project id and which view. */
export function parseProjectUri(uri: string): { id: number; view: 'project' | 'storyboard' } | undefined {
  const m = URI_RE.exec(uri);
  if (!m) return undefined;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  return { id, view: m[2] ? 'storyboard' : 'project' };
}

/** Both resource URIs of a project: what a change publishes. */
export const projectResourceUris = (id: number): string[] => [projectUri(id), storyboardUri(id)];

/**
 * With the in-process sandbox running faster than real time, poll faster by the same factor, so
 * demos and tests see every step (never below 25 ms).
 */
export function sandboxTiming(config: Config, timing: Partial<WatcherTiming> = {}): Partial<WatcherTiming> {
  const scale = config.sandbox.enabled ? config.sandbox.timeScale : 1;
  if (!(scale > 1)) return timing;
  const s = (ms: number) => Math.max(25, Math.round(ms / scale));
  return {
    minIntervalMs: s(1000),
    maxIntervalMs: s(15_000),
    progressCapMs: s(5000),
    ...timing,
  };
}

export function createLiveLayer(opts: {
  api: Runtime['api'];
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
  const hooks: LiveHooks = {
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
  };
  return {
    watcher,
    hooks,
    close() {
      offChange();
      publishers.clear();
      watcher.close();
    },
  };
}

/** Called by createRuntime: gives the runtime its watcher (as `follower`) and its live hooks. */
export function attachLive(rt: Runtime, timing?: Partial<WatcherTiming>): LiveLayer {
  const layer = createLiveLayer({
    api: rt.api,
    logger: rt.logger,
    timing: sandboxTiming(rt.config, timing),
  });
  rt.follower ??= layer.watcher;
  rt.live = layer.hooks;
  layers.set(rt, layer);
  return layer;
}
