import type { Bus, BusHandler } from './store.js';

/**
 * The in-process {@link Bus}: what `server.bus` is without a shared store. Messages are delivered a
 * microtask later (never inside `publish`), to every subscriber of the topic, in publish order.
 */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Set<BusHandler>>();

  /** `onError` hears a handler that threw (the other handlers still run). */
  constructor(private readonly onError: (error: unknown, topic: string) => void = () => {}) {}

  /** Publishes `payload` on `topic` to every subscriber, a microtask later. */
  publish(topic: string, payload: unknown): void {
    if (typeof topic !== 'string') throw new TypeError('bus topic must be a string');
    const handlers = this.topics.get(topic);
    if (!handlers || handlers.size === 0) return;
    const targets = [...handlers];
    queueMicrotask(() => {
      for (const handler of targets) {
        if (!handlers.has(handler)) continue;
        try {
          handler(payload, topic);
        } catch (error) {
          this.onError(error, topic);
        }
      }
    });
  }

  /** Subscribes `handler` to `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: BusHandler): () => void {
    if (typeof topic !== 'string') throw new TypeError('bus topic must be a string');
    if (typeof handler !== 'function') throw new TypeError('bus handler must be a function');
    let handlers = this.topics.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.topics.set(topic, handlers);
    }
    const entry: BusHandler = (payload, t) => handler(payload, t);
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
      if (handlers.size === 0 && this.topics.get(topic) === handlers) this.topics.delete(topic);
    };
  }
}
