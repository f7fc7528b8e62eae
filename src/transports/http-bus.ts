/**
 * The SDK's ServerEventBus over the shared store's events (Redis pub/sub): a change published by the
 * replica that polled reaches the `subscriptions/listen` streams open on every replica. A publish the
 * store cannot carry is still delivered here, so this replica's own listeners never miss it.
 */
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../log.js';
import type { StoreEvents } from '../store/types.js';

export interface ClosableBus extends ServerEventBus {
  close(): Promise<void>;
}

export function storeEventBus(events: StoreEvents, channel: string, logger: Logger): ClosableBus {
  const listeners = new Set<(event: ServerEvent) => void>();
  const deliver = (event: ServerEvent) => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch (err) {
        logger.debug('a listen stream failed to take an event', { error: String(err) });
      }
    }
  };
  const subscribed = events
    .subscribe(channel, (raw) => {
      try {
        deliver(JSON.parse(raw) as ServerEvent);
      } catch {
        // Not ours, or cut: nothing to deliver.
      }
    })
    .catch((err: unknown) => {
      logger.warn('listen streams on other replicas will not hear this one: the event bus is unavailable', {
        error: err instanceof Error ? err.message : String(err),
      });
      return undefined;
    });
  return {
    publish(event) {
      events.publish(channel, JSON.stringify(event)).catch(() => deliver(event));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      await (await subscribed)?.();
    },
  };
}
