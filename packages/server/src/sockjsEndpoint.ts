import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import sockjs from 'sockjs';
import { sockjsCloseCode } from './closeCodes.js';
import { whitelistHeaders } from './headers.js';
import { BaseServerSocket, type SocketLimits } from './serverSocket.js';

interface SockjsConnection {
  remoteAddress?: string;
  headers?: Record<string, string>;
  protocol?: string;
  write(text: string): boolean;
  close(code?: number, reason?: string): boolean;
  on(event: 'data', listener: (text: string) => void): void;
  on(event: 'close', listener: () => void): void;
}

// What sockjs 0.3.24 keeps behind a connection (read-only here): the messages it has not handed to a
// receiver yet (polling transports between polls) and the receiver's TCP socket.
interface SockjsInternals {
  _session?: {
    send_buffer?: string[];
    recv?: { connection?: Socket; response?: { socket?: Socket | null } } | null;
  } | null;
}

/** How long a closed SockJS websocket may wait for the peer's close handshake before its TCP socket is destroyed. */
const CLOSE_LINGER_MS = 5000;

/** A SockJS connection (any SockJS transport), backed by `sockjs` 0.3.24. */
export class SockjsServerSocket extends BaseServerSocket {
  get kind(): 'sockjs' {
    return 'sockjs';
  }
  readonly remoteAddress: string | undefined;
  readonly headers: Record<string, string>;
  // Incremental count of sockjs's pending-message array (it swaps in a new array when it flushes).
  private countedBuffer: string[] | undefined;
  private countedLength = 0;
  private countedBytes = 0;

  constructor(
    private readonly conn: SockjsConnection,
    maxPayloadBytes: number,
    limits: SocketLimits,
  ) {
    super(limits);
    this.remoteAddress = conn.remoteAddress;
    // sockjs already applied the same whitelist; apply ours again so both transports agree exactly.
    this.headers = whitelistHeaders(conn.headers ?? {});
    conn.on('data', (text) => {
      if (text.length > maxPayloadBytes / 3 && Buffer.byteLength(text) > maxPayloadBytes) {
        this.faulted('payload-too-large');
        return;
      }
      this.received(text);
    });
    conn.on('close', () => this.closed(undefined));
  }

  private get internals(): SockjsInternals['_session'] {
    return (this.conn as SockjsInternals)._session;
  }

  private get tcp(): Socket | undefined {
    const recv = this.internals?.recv;
    return recv?.connection ?? recv?.response?.socket ?? undefined;
  }

  protected transportBuffered(): number {
    const pending = this.internals?.send_buffer;
    if (pending !== this.countedBuffer) {
      this.countedBuffer = pending;
      this.countedLength = 0;
      this.countedBytes = 0;
    }
    if (pending) {
      for (let i = this.countedLength; i < pending.length; i++) this.countedBytes += pending[i]!.length;
      this.countedLength = pending.length;
    }
    return this.countedBytes + (this.tcp?.writableLength ?? 0);
  }

  protected writeAll(frames: string[]): void {
    // sockjs batches frames queued in one tick into one `a[...]` frame by itself.
    for (const frame of frames) this.conn.write(frame);
  }

  protected closeTransport(code: number, reason: string, abandon: boolean): void {
    const tcp = this.conn.protocol?.startsWith('websocket') ? this.tcp : undefined;
    this.conn.close(sockjsCloseCode(code), reason.slice(0, 120));
    if (abandon) {
      tcp?.destroy();
      return;
    }
    // A websocket peer that never answers the close handshake is cut off, so no socket outlives its session.
    if (tcp && !tcp.destroyed) {
      const timer = setTimeout(() => tcp.destroy(), CLOSE_LINGER_MS);
      timer.unref();
      tcp.once('close', () => clearTimeout(timer));
    }
  }
}

// Module-level so it does not keep the upgrade request alive for the connection's lifetime.
const ignore = (): void => {};

/** Options of the SockJS endpoint. */
export interface SockjsEndpointOptions {
  prefix: string;
  heartbeatDelay: number;
  disconnectDelay: number;
  maxPayloadBytes: number;
  limits: SocketLimits;
  accept(socket: SockjsServerSocket): void;
  /** A polling request for a SockJS session this process does not hold arrived (no sticky sessions). */
  misrouted?(sessionId: string, transport: string): void;
}

/** The body a polling send for a SockJS session this process does not hold is answered with (404). */
export const NOT_STICKY_MESSAGE =
  'ddpx: this server process does not hold SockJS session %s. SockJS polling transports need sticky ' +
  'sessions: route every request of one SockJS session to the same process (see docs/scaling.md).';

// `<prefix>/<server>/<session>/<xhr_send|jsonp_send>`: a polling transport's send, which only the
// process holding the session can take.
const POLLING_SEND = /^\/[^/.]+\/([^/.]+)\/(xhr_send|jsonp_send)(?:[?#].*)?$/;
/** Any request of a SockJS session (`/{server}/{session}/{transport}`): its session id. */
const SESSION_REQUEST = /^\/[^/.]+\/([^/.]+)\/[a-z_]+(?:[?#].*)?$/;

type Handler = (req: IncomingMessage, res: ServerResponse | Socket, head?: Buffer) => boolean;

/** Serves SockJS under a prefix with Meteor's settings (heartbeat 45 s, disconnect delay 60 s). */
export class SockjsEndpoint {
  private readonly handler: Handler;
  private readonly maxBodyBytes: number;
  private readonly pathRegexp: RegExp;
  /** SockJS session ids of this process's open connections. */
  private readonly held = new Set<string>();
  private readonly prefix: string;
  private readonly misrouted: SockjsEndpointOptions['misrouted'];

  constructor(options: SockjsEndpointOptions) {
    this.prefix = options.prefix;
    this.misrouted = options.misrouted;
    const server = sockjs.createServer({
      prefix: options.prefix,
      heartbeat_delay: options.heartbeatDelay,
      disconnect_delay: options.disconnectDelay,
      log: () => {},
      // A SockJS frame JSON-escapes each message (at most 6 bytes per character) inside an array.
      faye_server_options: { maxLength: options.maxPayloadBytes * 6 + 64 },
    } as sockjs.ServerOptions);
    server.on('connection', (conn: SockjsConnection | null) => {
      if (!conn) return;
      const id = (conn as { _session?: { session_id?: unknown } | null })._session?.session_id;
      if (typeof id === 'string') {
        this.held.add(id);
        conn.on('close', () => this.held.delete(id));
      }
      options.accept(new SockjsServerSocket(conn, options.maxPayloadBytes, options.limits));
    });
    const listener = (server as unknown as { listener(): { getHandler(): Handler } }).listener();
    this.handler = listener.getHandler();
    this.maxBodyBytes = options.maxPayloadBytes * 6 + 64;
    this.pathRegexp = new RegExp(`^${escapeRegExp(options.prefix)}([/].+|[/]?)$`);
  }

  /** Handles an HTTP request if it is under the prefix. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (!req.url || !this.pathRegexp.test(req.url)) return false;
    const send = POLLING_SEND.exec(req.url.slice(this.prefix.length));
    if (send && !this.held.has(send[1]!)) {
      this.misrouted?.(send[1]!, send[2]!);
      res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8', connection: 'close' });
      res.end(NOT_STICKY_MESSAGE.replace('%s', send[1]!));
      req.resume();
      return true;
    }
    if (req.method === 'POST' && !this.guardBody(req, res)) return true;
    return this.handler(req, res);
  }

  /**
   * Whether `req` is a poll or send of a session this endpoint holds: a draining server still serves
   * those (the session's close frame, with its retry hint, goes out in a poll response), while it
   * refuses every request that would open a session.
   */
  servesHeldSession(req: IncomingMessage): boolean {
    if (!req.url || !this.pathRegexp.test(req.url)) return false;
    const session = SESSION_REQUEST.exec(req.url.slice(this.prefix.length));
    return session !== null && this.held.has(session[1]!);
  }

  /** Handles an upgrade if it is under the prefix (SockJS's websocket transports). */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    if (!req.url || !this.pathRegexp.test(req.url)) return false;
    socket.on('error', ignore);
    return this.handler(req, socket, head);
  }

  // Polling transports post message batches; refuse bodies no legal batch needs.
  private guardBody(req: IncomingMessage, res: ServerResponse): boolean {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) {
      res.writeHead(413, { connection: 'close' });
      res.end();
      req.resume();
      return false;
    }
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > this.maxBodyBytes) req.destroy();
    });
    return true;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
