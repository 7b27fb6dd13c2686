import NodeWebSocket from 'ws';
import { type Transport, TransportEmitter, type TransportFactory } from './transport.js';

/** The slice of the WHATWG `WebSocket` API the transport uses (browsers, `ws`, undici all fit). */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType?: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` constructor: the browser's global, `ws`, or any compatible class. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike;

/** Options of {@link websocketTransport}. */
export interface WebSocketTransportOptions {
  /** The constructor to use. @default `ws` in Node, the global `WebSocket` elsewhere */
  WebSocket?: WebSocketConstructor;
  /** Extra HTTP headers on the handshake (Node / server-to-server only; browsers cannot send them). @default {} */
  headers?: Record<string, string>;
}

const OPEN = 1;
const noop = () => {};
const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Picks the WebSocket constructor: the one passed in, `ws` in Node, else the global one. */
export function resolveWebSocket(given?: WebSocketConstructor): WebSocketConstructor {
  if (given) return given;
  if (isNode) return NodeWebSocket as unknown as WebSocketConstructor;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!global) throw new TypeError('No WebSocket implementation: pass options.WebSocket');
  return global;
}

/**
 * A transport over one WebSocket: one DDP message per text frame. Binary frames are ignored.
 * Events are delivered from the socket's own callbacks, so never synchronously from `open()`.
 */
export class WebSocketTransport implements Transport {
  private readonly emitter = new TransportEmitter();
  private socket: WebSocketLike | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly options: WebSocketTransportOptions = {},
  ) {}

  /** Opens the socket; a constructor failure (bad URL) is reported as `error` then `close`. */
  open(): void {
    const Ctor = resolveWebSocket(this.options.WebSocket);
    const headers = this.options.headers;
    let socket: WebSocketLike;
    try {
      socket =
        headers && Object.keys(headers).length > 0 ? new Ctor(this.url, [], { headers }) : new Ctor(this.url);
    } catch (err) {
      queueMicrotask(() => {
        this.emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
        this.finish({ code: 1006, reason: 'could not open', wasClean: false });
      });
      return;
    }
    this.socket = socket;
    try {
      socket.binaryType = 'arraybuffer';
    } catch {
      // some implementations have a read-only binaryType; binary frames are ignored anyway
    }
    socket.onopen = () => {
      if (!this.closed) this.emitter.emit('open', undefined);
    };
    socket.onmessage = (event) => {
      if (!this.closed && typeof event.data === 'string') this.emitter.emit('message', event.data);
    };
    socket.onerror = (event) => {
      if (this.closed) return;
      const err = (event as { error?: unknown }).error;
      this.emitter.emit('error', err instanceof Error ? err : new Error('WebSocket error'));
    };
    socket.onclose = (event) =>
      this.finish({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  }

  /** Sends one text frame when the socket is open; otherwise the frame is dropped. */
  send(data: string): void {
    const socket = this.socket;
    if (socket && !this.closed && socket.readyState === OPEN) socket.send(data);
  }

  /** Closes the socket; the `close` event is emitted once. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const socket = this.socket;
    if (socket) {
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
    }
    queueMicrotask(() => this.finish({ code, reason, wasClean: true }));
  }

  /** Adds a listener; returns its unsubscribe function. */
  on: Transport['on'] = (event, listener) => this.emitter.on(event, listener);

  private finish(event: { code: number; reason: string; wasClean: boolean }): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (socket) {
      // Keep no-op handlers: `ws` throws on an 'error' event nobody listens to (e.g. closed while opening).
      socket.onopen = socket.onmessage = socket.onerror = noop;
      socket.onclose = noop;
    }
    this.emitter.emit('close', event);
    this.emitter.clear();
  }
}

/** A {@link TransportFactory} opening a {@link WebSocketTransport} per attempt. */
export function websocketTransport(options: WebSocketTransportOptions = {}): TransportFactory {
  return (url) => new WebSocketTransport(url, options);
}
