import type { ServerEvents, ServerListener } from './types.js';

/** A small typed event emitter: `on` returns its own unsubscribe; a throwing listener never breaks emit. */
export class ServerEventEmitter {
  private readonly listeners = new Map<keyof ServerEvents, Set<(event: never) => void>>();

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof ServerEvents>(event: E, listener: ServerListener<E>): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = listener as (event: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Whether anyone listens to `event`. */
  has(event: keyof ServerEvents): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Calls every listener of `event`; errors thrown by listeners are reported as `error` events. */
  emit<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) {
      if (event === 'error') {
        const e = payload as ServerEvents['error'];
        console.error(`[ddpx/server] ${e.context}:`, e.error);
      }
      return;
    }
    for (const listener of [...set]) {
      try {
        (listener as ServerListener<E>)(payload);
      } catch (error) {
        if (event !== 'error') this.emit('error', { error, context: `'${event}' listener` });
        else console.error('[ddpx/server] error listener threw:', error);
      }
    }
  }
}
