import type { Bus, BusHandler } from '@ddpx/server';
import type { Redis } from 'ioredis';

/**
 * The {@link Bus} over Redis pub/sub: `publish` goes through the command connection (never awaited),
 * `subscribe` shares one subscriber connection, which holds one Redis subscription per topic that has
 * handlers here. Payloads travel as JSON; every process subscribed to a topic gets each message once,
 * the publisher's own included (Redis pub/sub is at-most-once: a message sent while a subscriber is
 * disconnected is lost).
 */
export class RedisBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly exact = new Map<string, (channel: string, message: string) => void>();

  constructor(
    private readonly commands: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly onError: (error: unknown, context: string) => void,
  ) {
    subscriber.on('message', (channel: string, message: string) => this.deliver(channel, message));
  }

  /** Publishes `payload` (JSON) on `topic`; a Redis failure is reported, never thrown. */
  publish(topic: string, payload: unknown): void {
    if (typeof topic !== 'string') throw new TypeError('bus topic must be a string');
    const text = JSON.stringify(payload === undefined ? null : payload);
    this.commands
      .publish(this.channel(topic), text)
      .catch((error: unknown) => this.onError(error, `bus publish on '${topic}'`));
  }

  /** Subscribes `handler` to `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: BusHandler): () => void {
    if (typeof topic !== 'string') throw new TypeError('bus topic must be a string');
    if (typeof handler !== 'function') throw new TypeError('bus handler must be a function');
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.subscriber
        .subscribe(this.channel(topic))
        .catch((error: unknown) => this.onError(error, `bus subscribe to '${topic}'`));
    }
    const entry: BusHandler = (payload, t) => handler(payload, t);
    set.add(entry);
    return () => {
      if (!set.delete(entry) || set.size > 0 || this.handlers.get(topic) !== set) return;
      this.handlers.delete(topic);
      this.subscriber
        .unsubscribe(this.channel(topic))
        .catch((error: unknown) => this.onError(error, `bus unsubscribe from '${topic}'`));
    };
  }

  /** Listens to one raw channel (not under the bus prefix); used for the store's own control messages. */
  listen(channel: string, handler: (message: string) => void): Promise<unknown> {
    this.exact.set(channel, (_c, message) => handler(message));
    return this.subscriber.subscribe(channel);
  }

  private channel(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  private deliver(channel: string, message: string): void {
    const raw = this.exact.get(channel);
    if (raw) {
      raw(channel, message);
      return;
    }
    if (!channel.startsWith(this.prefix)) return;
    const topic = channel.slice(this.prefix.length);
    const set = this.handlers.get(topic);
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (error) {
      this.onError(error, `bus message on '${topic}'`);
      return;
    }
    for (const handler of [...set]) {
      try {
        handler(payload, topic);
      } catch (error) {
        this.onError(error, `bus handler of '${topic}'`);
      }
    }
  }
}
