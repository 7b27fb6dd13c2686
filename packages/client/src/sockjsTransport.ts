import { type Transport, TransportEmitter, type TransportFactory } from './transport.js';

/** Meteor's SockJS transport whitelist (no streaming transports). */
export const SOCKJS_TRANSPORTS: readonly string[] = Object.freeze([
  'websocket',
  'xdr-polling',
  'xhr-polling',
  'iframe-xhr-polling',
  'jsonp-polling',
]);

interface SockLike {
  readyState: number;
  onopen: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror?: ((e: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
// What sockjs-client 1.6 keeps behind a socket (read-only here): its websocket, or the batch of
// messages a polling sender has not posted yet.
interface SockInternals {
  _transport?: {
    ws?: { bufferedAmount?: number; _stream?: { writableLength?: number } } | null;
    sendBuffer?: string[];
  } | null;
}

type SockJSConstructor = new (url: string, reserved?: unknown, options?: Record<string, unknown>) => SockLike;

const noop = () => {};

/**
 * A transport over sockjs-client (loaded on first use, so WebSocket-only apps never bundle it).
 * Options are merged over `{ transports: SOCKJS_TRANSPORTS }`, as Meteor does.
 */
export class SockJSTransport implements Transport {
  private readonly emitter = new TransportEmitter();
  private socket: SockLike | undefined;
  private closed = false;
  // Incremental count of the polling sender's batch (it swaps in a new array when it posts).
  private counted: string[] | undefined;
  private countedLength = 0;
  private countedBytes = 0;

  constructor(
    private readonly url: string,
    private readonly options: Record<string, unknown> = {},
  ) {}

  /** Loads sockjs-client and opens the session. */
  open(): void {
    import('sockjs-client').then(
      (mod) => {
        if (this.closed) return;
        const SockJS = ((mod as { default?: unknown }).default ?? mod) as SockJSConstructor;
        let socket: SockLike;
        try {
          socket = new SockJS(this.url, undefined, { transports: [...SOCKJS_TRANSPORTS], ...this.options });
        } catch (err) {
          this.fail(err);
          return;
        }
        this.socket = socket;
        socket.onopen = () => this.closed || this.emitter.emit('open', undefined);
        socket.onmessage = (e) => {
          if (!this.closed && typeof e.data === 'string') this.emitter.emit('message', e.data);
        };
        socket.onclose = (e) => this.finish({ code: e.code, reason: e.reason, wasClean: e.wasClean });
        socket.onerror = (e) =>
          this.closed || this.emitter.emit('error', new Error(`SockJS error: ${String(e)}`));
      },
      (err) => this.fail(err),
    );
  }

  /** Sends one message when open; otherwise it is dropped. */
  send(data: string): void {
    if (this.socket && !this.closed && this.socket.readyState === 1) this.socket.send(data);
  }

  /** Closes the session; `close` is emitted once. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    try {
      this.socket?.close(code, reason);
    } catch {
      this.socket?.close();
    }
    queueMicrotask(() => this.finish({ code, reason, wasClean: true }));
  }

  /** Adds a listener; returns its unsubscribe function. */
  on: Transport['on'] = (event, listener) => this.emitter.on(event, listener);

  /** Bytes not yet sent: the websocket's buffer, or the polling sender's unsent batch. */
  get bufferedAmount(): number {
    const transport = (this.socket as SockInternals | undefined)?._transport;
    const batch = transport?.sendBuffer;
    if (batch !== this.counted) {
      this.counted = batch;
      this.countedLength = 0;
      this.countedBytes = 0;
    }
    if (batch) {
      for (let i = this.countedLength; i < batch.length; i++) this.countedBytes += batch[i]!.length;
      this.countedLength = batch.length;
    }
    // Browsers' WebSocket counts its buffer; faye's (sockjs-client in Node) leaves it 0, so read its TCP socket.
    const ws = transport?.ws;
    return this.countedBytes + Math.max(ws?.bufferedAmount ?? 0, ws?._stream?.writableLength ?? 0);
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.emitter.emit('error', err instanceof Error ? err : new Error(String(err)));
    this.finish({ code: 1006, reason: 'could not open', wasClean: false });
  }

  private finish(event: { code: number; reason: string; wasClean: boolean }): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (socket) {
      socket.onopen = socket.onmessage = noop;
      socket.onclose = noop;
      socket.onerror = noop;
    }
    this.emitter.emit('close', event);
    this.emitter.clear();
  }
}

/** A {@link TransportFactory} opening a {@link SockJSTransport} per attempt. */
export function sockjsTransport(options: Record<string, unknown> = {}): TransportFactory {
  return (url) => new SockJSTransport(url, options);
}
