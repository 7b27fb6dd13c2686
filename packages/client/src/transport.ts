/** Why a transport closed: the WebSocket close code and reason, and whether the close was clean. */
export interface TransportCloseEvent {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** Events a {@link Transport} emits, by name. */
export interface TransportEventMap {
  open: undefined;
  message: string;
  close: TransportCloseEvent;
  error: Error;
}

/** A listener for one transport event. */
export type TransportListener<K extends keyof TransportEventMap> = (event: TransportEventMap[K]) => void;

/**
 * The one small interface every transport implements (STYLE rule 4): `open`, `send`, `close`, and
 * the events `open`, `message` (one DDP text frame), `close { code, reason, wasClean }` and `error`.
 * Events never fire synchronously from `open()`/`close()`; after `close` no event fires again.
 */
export interface Transport {
  /** Starts opening the underlying socket. */
  open(): void;
  /** Sends one frame; frames sent while not open are dropped (DDP re-sends on reconnect). */
  send(data: string): void;
  /** Closes the socket; a `close` event follows unless one already fired. */
  close(code?: number, reason?: string): void;
  /** Adds a listener; returns its unsubscribe function. */
  on<K extends keyof TransportEventMap>(event: K, listener: TransportListener<K>): () => void;
  /** Bytes sent but not yet handed to the network, where the transport can tell (else undefined). */
  readonly bufferedAmount?: number;
}

/** Creates a transport for one connection attempt to `url`. */
export type TransportFactory = (url: string) => Transport;

/** A tiny typed emitter the built-in transports share. */
export class TransportEmitter {
  private readonly listeners: { [K in keyof TransportEventMap]: Set<TransportListener<K>> } = {
    open: new Set(),
    message: new Set(),
    close: new Set(),
    error: new Set(),
  };

  /** Adds a listener; returns its unsubscribe function. */
  on<K extends keyof TransportEventMap>(event: K, listener: TransportListener<K>): () => void {
    const set = this.listeners[event] as Set<TransportListener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls every listener of `event` in registration order. */
  emit<K extends keyof TransportEventMap>(event: K, value: TransportEventMap[K]): void {
    for (const listener of this.listeners[event] as Set<TransportListener<K>>) listener(value);
  }

  /** Drops every listener. */
  clear(): void {
    for (const set of Object.values(this.listeners)) set.clear();
  }
}
