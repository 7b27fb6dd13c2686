import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import sockjs from 'sockjs';
import { whitelistHeaders } from './headers.js';
import { BaseServerSocket } from './serverSocket.js';

interface SockjsConnection {
  remoteAddress?: string;
  headers?: Record<string, string>;
  write(text: string): boolean;
  close(code?: number, reason?: string): boolean;
  on(event: 'data', listener: (text: string) => void): void;
  on(event: 'close', listener: () => void): void;
}

/** A SockJS connection (any SockJS transport), backed by `sockjs` 0.3.24. */
export class SockjsServerSocket extends BaseServerSocket {
  get kind(): 'sockjs' {
    return 'sockjs';
  }
  readonly remoteAddress: string | undefined;
  readonly headers: Record<string, string>;
  readonly bufferedAmount = 0;

  constructor(
    private readonly conn: SockjsConnection,
    maxPayloadBytes: number,
  ) {
    super();
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

  protected writeAll(frames: string[]): void {
    // sockjs batches frames queued in one tick into one `a[...]` frame by itself.
    for (const frame of frames) this.conn.write(frame);
  }

  protected closeTransport(code: number, reason: string): void {
    this.conn.close(code, reason);
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
  accept(socket: SockjsServerSocket): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse | Socket, head?: Buffer) => boolean;

/** Serves SockJS under a prefix with Meteor's settings (heartbeat 45 s, disconnect delay 60 s). */
export class SockjsEndpoint {
  private readonly handler: Handler;
  private readonly maxBodyBytes: number;
  private readonly pathRegexp: RegExp;

  constructor(options: SockjsEndpointOptions) {
    const server = sockjs.createServer({
      prefix: options.prefix,
      heartbeat_delay: options.heartbeatDelay,
      disconnect_delay: options.disconnectDelay,
      log: () => {},
      // A SockJS frame JSON-escapes each message (at most 6 bytes per character) inside an array.
      faye_server_options: { maxLength: options.maxPayloadBytes * 6 + 64 },
    } as sockjs.ServerOptions);
    server.on('connection', (conn: SockjsConnection | null) => {
      if (conn) options.accept(new SockjsServerSocket(conn, options.maxPayloadBytes));
    });
    const listener = (server as unknown as { listener(): { getHandler(): Handler } }).listener();
    this.handler = listener.getHandler();
    this.maxBodyBytes = options.maxPayloadBytes * 6 + 64;
    this.pathRegexp = new RegExp(`^${escapeRegExp(options.prefix)}([/].+|[/]?)$`);
  }

  /** Handles an HTTP request if it is under the prefix. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (!req.url || !this.pathRegexp.test(req.url)) return false;
    if (req.method === 'POST' && !this.guardBody(req, res)) return true;
    return this.handler(req, res);
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
