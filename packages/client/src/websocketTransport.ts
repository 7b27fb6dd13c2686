import NodeWebSocket from 'ws';
import { type Transport, TransportEmitter, type TransportFactory } from './transport.js';

/** The slice of the WHATWG `WebSocket` API the transport uses (browsers, `ws`, undici all fit). */
export interface WebSocketLike {
  readonly readyState: number;
  /** Bytes queued but not yet sent (browsers and `ws` both have it). */
  readonly bufferedAmount?: number;
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
  options?: { headers?: Record<string, string>; maxPayload?: number },
) => WebSocketLike;

/** Options of {@link websocketTransport}. */
export interface WebSocketTransportOptions {
  /** The constructor to use. @default `ws` in Node, the global `WebSocket` elsewhere */
  WebSocket?: WebSocketConstructor;
  /** Extra HTTP headers on the handshake (Node / server-to-server only; browsers cannot send them). @default {} */
  headers?: Record<string, string>;
  /**
   * Node (`ws`) only: the first frame of a tick is written at once; frames after it in the same tick
   * are written together (the TCP socket is corked, so they leave in one `writev`), and a batch
   * reaching this many frames is written at once, so the peer can start on it while later frames are
   * still being produced. 1 writes every frame on its own. @default 32
   */
  maxBatchFrames?: number;
  /** Node (`ws`) only: the largest inbound frame `ws` accepts; a larger one closes the socket (1009). @default 16777216 (16 MiB) */
  maxPayloadBytes?: number;
}

/** The TCP socket under a `ws` WebSocket (`_socket`), which can be corked. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The default of {@link WebSocketTransportOptions.maxPayloadBytes} (and of the client's `maxPayloadBytes`). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** The default of {@link WebSocketTransportOptions.maxBatchFrames}. */
export const DEFAULT_MAX_BATCH_FRAMES = 32;

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
  /** The corkable TCP socket under `ws` once open; undefined for browser-style sockets (direct sends). */
  private tcp: Corkable | undefined;
  private batch: string[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private readonly maxBatch: number;

  constructor(
    private readonly url: string,
    private readonly options: WebSocketTransportOptions = {},
  ) {
    this.maxBatch = batchSize(options);
  }

  /** Opens the socket; a constructor failure (bad URL) is reported as `error` then `close`. */
  open(): void {
    const Ctor = resolveWebSocket(this.options.WebSocket);
    const headers = this.options.headers;
    const withHeaders = headers !== undefined && Object.keys(headers).length > 0;
    let socket: WebSocketLike;
    try {
      socket =
        Ctor === (NodeWebSocket as unknown)
          ? new Ctor(this.url, [], {
              ...(withHeaders ? { headers } : {}),
              maxPayload: this.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
            })
          : withHeaders
            ? new Ctor(this.url, [], { headers })
            : new Ctor(this.url);
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
      if (this.closed) return;
      const tcp = (socket as { _socket?: Partial<Corkable> })._socket;
      if (this.maxBatch > 1 && typeof tcp?.cork === 'function' && typeof tcp.uncork === 'function')
        this.tcp = tcp as Corkable;
      this.emitter.emit('open', undefined);
    };
    if (socket instanceof NodeWebSocket) {
      // `ws` directly: no MessageEvent per frame (the `onmessage` attribute wraps every message in one).
      socket.on('message', this.onNodeMessage);
    } else {
      socket.onmessage = (event) => {
        if (!this.closed && typeof event.data === 'string') this.emitter.emit('message', event.data);
      };
    }
    socket.onerror = (event) => {
      if (this.closed) return;
      const err = (event as { error?: unknown }).error;
      this.emitter.emit('error', err instanceof Error ? err : new Error('WebSocket error'));
    };
    socket.onclose = (event) =>
      this.finish({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  }

  /**
   * Sends one text frame when the socket is open; otherwise the frame is dropped. Over `ws` the first
   * frame of a tick is written at once, later ones join the tick's batch (written in order from a
   * microtask, or at once when the batch is full).
   */
  send(data: string): void {
    const socket = this.socket;
    if (!socket || this.closed || socket.readyState !== OPEN) return;
    if (!this.tcp) {
      socket.send(data);
      return;
    }
    if (!this.flushScheduled) {
      // The first frame of this tick goes out at once: a call with nothing else pending never waits
      // for a batch. Frames after it in the same tick are batched until the tick ends.
      this.flushScheduled = true;
      queueMicrotask(this.flushTick);
      try {
        socket.send(data);
      } catch {
        // A socket that fails to write is closing; its close event follows.
      }
      return;
    }
    const batch = this.batch;
    batch.push(data);
    this.batchBytes += data.length;
    if (batch.length >= this.maxBatch) this.flush();
  }

  private readonly onNodeMessage = (data: NodeWebSocket.RawData, isBinary: boolean): void => {
    if (!this.closed && !isBinary) this.emitter.emit('message', String(data));
  };

  private readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Writes the batched frames in one corked write; frames of a socket no longer open are dropped. */
  private flush(): void {
    const frames = this.batch;
    if (frames.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    const socket = this.socket;
    const tcp = this.tcp;
    if (!socket || !tcp || socket.readyState !== OPEN) return;
    tcp.cork();
    try {
      for (const frame of frames) socket.send(frame);
    } catch {
      // A socket that fails to write is closing (this may run from a microtask: never throw); its close
      // event follows, and DDP re-sends what matters on the next connection.
    } finally {
      tcp.uncork();
    }
  }

  /** Closes the socket (frames sent before still go out first); the `close` event is emitted once. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.flush();
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

  /** Bytes waiting in this tick's batch and in the socket's own buffer. */
  get bufferedAmount(): number {
    return this.batchBytes + (this.socket?.bufferedAmount ?? 0);
  }

  private finish(event: { code: number; reason: string; wasClean: boolean }): void {
    if (this.closed) return;
    this.closed = true;
    this.batch = [];
    this.batchBytes = 0;
    this.tcp = undefined;
    const socket = this.socket;
    if (socket) {
      // Keep no-op handlers: `ws` throws on an 'error' event nobody listens to (e.g. closed while opening).
      socket.onopen = socket.onmessage = socket.onerror = noop;
      if (socket instanceof NodeWebSocket) socket.off('message', this.onNodeMessage);
      socket.onclose = noop;
    }
    this.emitter.emit('close', event);
    this.emitter.clear();
  }
}

/** The batch size the options ask for; a size below 1 is misuse and throws. */
function batchSize(options: WebSocketTransportOptions): number {
  const max = options.maxBatchFrames ?? DEFAULT_MAX_BATCH_FRAMES;
  if (!(max >= 1)) throw new RangeError(`maxBatchFrames must be >= 1, got ${max}`);
  return max;
}

/** A {@link TransportFactory} opening a {@link WebSocketTransport} per attempt (bad options throw here). */
export function websocketTransport(options: WebSocketTransportOptions = {}): TransportFactory {
  batchSize(options);
  return (url) => new WebSocketTransport(url, options);
}
