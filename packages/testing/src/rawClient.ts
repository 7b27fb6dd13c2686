import { SUPPORTED_DDP_VERSIONS } from '@ddpx/protocol';
import { WebSocket } from 'ws';

/** A DDP frame as the raw client records it: the parsed JSON object, or `{ raw }` for a non-JSON frame. */
export type Frame = Record<string, unknown>;

/** Options of {@link RawClient}. */
export interface RawClientOptions {
  /** Extra HTTP headers on the WebSocket upgrade request (e.g. `x-forwarded-for`). @default {} */
  headers?: Record<string, string>;
  /** How long `next`/`waitFor`/`call`/`sub` wait by default, in milliseconds. @default 3000 */
  timeoutMs?: number;
}

const open = new Set<RawClient>();

/** Terminates every raw client still open (call it in `afterEach`). */
export function closeRawClients(): void {
  for (const c of open) c.terminate();
  open.clear();
}

/** The raw DDP WebSocket URL of a server on `port`: its `/websocket` endpoint, or SockJS's raw `/sockjs/websocket`. */
export function rawUrl(
  port: number,
  endpoint: 'websocket' | 'sockjs' = 'websocket',
  host = '127.0.0.1',
): string {
  return `ws://${host}:${port}${endpoint === 'sockjs' ? '/sockjs/websocket' : '/websocket'}`;
}

/**
 * A scripted DDP client over a plain WebSocket: sends any frame you give it, records every frame it
 * receives, and waits for the ones you expect. It never answers pings by itself, never reconnects and
 * validates nothing, so a test sees exactly what the server sends.
 */
export class RawClient {
  /** Every frame received so far, in order. */
  readonly messages: Frame[] = [];
  /** The underlying `ws` socket. */
  readonly ws: WebSocket;
  /** The close code once the socket has closed. */
  closeCode: number | undefined;
  /** The close reason once the socket has closed. */
  closeReason: string | undefined;
  /** Resolves when the socket is open; rejects if it fails to open. */
  readonly opened: Promise<void>;
  /** Resolves with the close code when the socket closes (for any reason). */
  readonly closed: Promise<number>;
  private readonly timeoutMs: number;
  private waiters: Array<() => void> = [];

  /** Opens a WebSocket to `url` (e.g. `ws://127.0.0.1:3000/websocket`); nothing is sent until you `send`. */
  constructor(url: string, options: RawClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ws = new WebSocket(url, options.headers ? { headers: options.headers } : undefined);
    open.add(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    // A failed open also shows as `closed`; nobody has to await `opened` to avoid an unhandled rejection.
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        open.delete(this);
        resolve(code);
        this.wake();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      const text = String(data);
      let frame: Frame;
      try {
        const parsed: unknown = JSON.parse(text);
        frame = parsed !== null && typeof parsed === 'object' ? (parsed as Frame) : { raw: text };
      } catch {
        frame = { raw: text };
      }
      this.messages.push(frame);
      this.wake();
    });
  }

  /**
   * Opens a socket, sends `connect` offering every version ddpx speaks (`SUPPORTED_DDP_VERSIONS`)
   * merged with `fields` (e.g. `{ session, receivedCount }` to resume), then at once the `pipelined`
   * frames, and waits for `connected` or `failed`.
   */
  static async connect(
    url: string,
    fields: Frame = {},
    pipelined: readonly Frame[] = [],
    options?: RawClientOptions,
  ): Promise<RawClient> {
    const c = new RawClient(url, options);
    await c.opened;
    c.send({
      msg: 'connect',
      version: SUPPORTED_DDP_VERSIONS[0],
      support: SUPPORTED_DDP_VERSIONS,
      ...fields,
    });
    for (const m of pipelined) c.send(m);
    await c.next((m) => m.msg === 'connected' || m.msg === 'failed');
    return c;
  }

  /** The session id of the first `connected` this socket received. */
  get session(): string | undefined {
    return this.messages.find((m) => m.msg === 'connected')?.session as string | undefined;
  }

  /** The resume token of the last `connected` (a ddpx extension; undefined from other servers). */
  get resumeToken(): string | undefined {
    const connected = this.messages.filter((m) => m.msg === 'connected');
    return connected[connected.length - 1]?.resumeToken as string | undefined;
  }

  /** Meteor 3.5's `receivedCount` over this socket: frames with a `msg`, except `ping` and `pong`. */
  get receivedCount(): number {
    return this.messages.filter((m) => typeof m.msg === 'string' && m.msg !== 'ping' && m.msg !== 'pong')
      .length;
  }

  /** Sends a frame: an object is JSON-encoded, a string goes out as it is (for malformed input). */
  send(frame: Frame | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The first recorded frame from index `from` that matches `predicate`, waiting up to `timeoutMs`;
   * rejects if the socket closes or time runs out first (the message lists what was received).
   */
  async next(predicate: (m: Frame) => boolean, timeoutMs = this.timeoutMs, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closeCode !== undefined)
        throw new Error(
          `socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.messages)}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The same as {@link RawClient.next}: waits for a frame matching `predicate`. */
  waitFor(predicate: (m: Frame) => boolean, timeoutMs = this.timeoutMs, from = 0): Promise<Frame> {
    return this.next(predicate, timeoutMs, from);
  }

  /** Sends `method` and waits for its `result` frame (which carries `result` or `error`). */
  async call(method: string, params: unknown[] = [], id = `m${Math.random()}`): Promise<Frame> {
    this.send({ msg: 'method', method, params, id });
    return this.next((m) => m.msg === 'result' && m.id === id);
  }

  /** Sends `sub` and waits for its `ready` (or `nosub`, which carries the error). */
  async sub(name: string, params: unknown[] = [], id = `s${Math.random()}`): Promise<Frame> {
    this.send({ msg: 'sub', name, params, id });
    return this.next(
      (m) =>
        (m.msg === 'ready' && Array.isArray(m.subs) && m.subs.includes(id)) ||
        (m.msg === 'nosub' && m.id === id),
    );
  }

  /** Closes with a WebSocket close frame and waits until the socket is closed. */
  async close(code = 1000): Promise<number> {
    this.ws.close(code);
    return this.closed;
  }

  /** Destroys the socket at once: no close frame, as if the network dropped. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Cuts the socket without a close frame, waits for it to close, then gives the server 20 ms to notice. */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
    await new Promise((r) => setTimeout(r, 20));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
