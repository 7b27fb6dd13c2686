import { DDPError, type DDPServer, type PublicationContext } from '@ddpx/server';

/** A message in the demo's `messages` collection. */
export interface DemoMessage {
  _id: string;
  text: string;
  at: Date;
}

/** The demo's data, kept across server restarts (like a database would be). */
export class DemoStore {
  readonly messages: DemoMessage[] = [{ _id: 'welcome', text: 'Welcome to the ddpx demo', at: new Date(0) }];
  private readonly listeners = new Set<(message: DemoMessage) => void>();
  private next = 1;

  /** Adds a message and tells live publications. */
  add(text: string): DemoMessage {
    const message = { _id: `m${this.next++}`, text, at: new Date() };
    this.messages.push(message);
    for (const listener of this.listeners) listener(message);
    return message;
  }

  /** Listens to new messages; returns the remover. */
  onAdd(listener: (message: DemoMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The longest `slow(ms)` the demo accepts. */
export const MAX_SLOW_MS = 15_000;
/** The longest message text the demo accepts. */
export const MAX_MESSAGE_LENGTH = 200;
/** Messages kept in the demo store. */
export const MAX_MESSAGES = 100;

/**
 * Defines the demo's methods and publication on a server:
 * `add(a, b)`, `slow(ms)` (answers after `ms`, to watch a method outlive a reconnect), `fail()` (always
 * throws a `DDPError`), `addMessage(text)`, and the publication `messages` (live).
 */
export function defineSampleApp(server: DDPServer, store: DemoStore): void {
  server.methods({
    add(a, b) {
      if (typeof a !== 'number' || typeof b !== 'number')
        throw new DDPError('bad-args', 'add(a, b) takes two numbers');
      return a + b;
    },
    async slow(ms) {
      const wait = Math.min(MAX_SLOW_MS, Math.max(0, Number(ms) || 0));
      this.unblock();
      await new Promise((resolve) => setTimeout(resolve, wait));
      return `answered after ${wait} ms`;
    },
    fail() {
      throw new DDPError('demo-error', 'This method always fails', { hint: 'that is the point' });
    },
    addMessage(text) {
      if (typeof text !== 'string' || text.trim() === '')
        throw new DDPError('bad-args', 'addMessage(text) takes a non-empty string');
      if (store.messages.length >= MAX_MESSAGES) store.messages.splice(0, 1);
      return store.add(text.slice(0, MAX_MESSAGE_LENGTH))._id;
    },
  });
  server.publish('messages', function (this: PublicationContext) {
    for (const { _id, ...fields } of store.messages) this.added('messages', _id, fields);
    this.ready();
    const stop = store.onAdd(({ _id, ...fields }) => this.added('messages', _id, fields));
    this.onStop(stop);
  });
}
