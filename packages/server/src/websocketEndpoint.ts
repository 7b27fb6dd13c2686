import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { whitelistHeaders } from './headers.js';
import { BaseServerSocket, type SocketLimits } from './serverSocket.js';

const OWNER = Symbol('ddpx.socket');
type OwnedWebSocket = WebSocket & { [OWNER]: WsServerSocket };
const owner = (ws: WebSocket): WsServerSocket => (ws as OwnedWebSocket)[OWNER];

// One set of listeners shared by every socket (`this` is the WebSocket): no closures per connection.
function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  // Binary frames are not DDP; treat their bytes as text so the parser rejects them as Meteor would.
  owner(this).received(isBinary || typeof data !== 'string' ? rawToString(data) : data);
}
function onClose(this: WebSocket, code: number): void {
  owner(this).closed(code);
}
function onError(this: WebSocket, err: Error & { code?: string }): void {
  // ws closes the socket itself after an error (1009, 1002, 1007 ...); the close event follows.
  owner(this).faulted(
    err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'payload-too-large' : 'protocol-error',
  );
}

// Frames framed for the wire, so a change published to many sessions is framed once and the same bytes
// are written to every socket (as socket.io does for a room broadcast); server frames are never masked,
// so the bytes are the same for every socket. The last frame is always kept; once a frame is written
// twice (a fan-out), every frame of that tick is kept too (a burst flushes each socket's frames in
// turn), within bounds, and forgotten at the end of the tick. A lone request/response costs no map.
let lastText: string | undefined;
let lastBytes: Buffer | undefined;
let tickFrames: Map<string, Buffer> | undefined;
let tickBytes = 0;
const MAX_TICK_BYTES = 1024 * 1024;
const MAX_SHARED_FRAME = 16 * 1024;

function forgetTickFrames(): void {
  tickFrames = undefined;
  tickBytes = 0;
}

function wireBytes(text: string): Buffer {
  if (text === lastText) {
    if (tickFrames === undefined && text.length <= MAX_SHARED_FRAME) {
      tickFrames = new Map();
      queueMicrotask(forgetTickFrames);
    }
    return lastBytes!;
  }
  const known = tickFrames?.get(text);
  if (known !== undefined) return known;
  const bytes = framed(text);
  lastText = text.length <= MAX_SHARED_FRAME ? text : undefined;
  lastBytes = bytes;
  if (tickFrames !== undefined && tickBytes + bytes.length <= MAX_TICK_BYTES && lastText !== undefined) {
    tickFrames.set(text, bytes);
    tickBytes += bytes.length;
  }
  return bytes;
}

/** One unmasked, final text frame (RFC 6455 §5.2) carrying `text`. */
export function framed(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + length);
  out[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) out[1] = length;
  else if (header === 4) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  out.write(text, header, 'utf8');
  return out;
}

/** A raw WebSocket (one DDP message per text frame), backed by `ws`. */
export class WsServerSocket extends BaseServerSocket {
  get kind(): 'websocket' {
    return 'websocket';
  }
  readonly headers: Record<string, string>;

  constructor(
    private readonly ws: WebSocket,
    private readonly tcp: Socket,
    req: IncomingMessage,
    limits: SocketLimits,
  ) {
    super(limits);
    this.headers = whitelistHeaders(req.headers);
    (ws as OwnedWebSocket)[OWNER] = this;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }

  get remoteAddress(): string | undefined {
    return this.tcp.remoteAddress;
  }

  protected transportBuffered(): number {
    return this.ws.bufferedAmount;
  }

  protected override writeOne(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.write(frame);
  }

  protected writeAll(frames: string[]): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // One writev for the whole batch: cork the TCP socket while each message is framed.
    this.tcp.cork();
    try {
      for (const frame of frames) this.write(frame);
    } finally {
      this.tcp.uncork();
    }
  }

  // Frames go straight to the TCP socket, framed here: `ws`'s sender holds no state between frames
  // without compression, which this endpoint never negotiates, and `ws.bufferedAmount` still counts them.
  private write(frame: string): void {
    this.tcp.write(wireBytes(frame));
  }

  protected closeTransport(code: number, reason: string, abandon: boolean): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    if (this.ws.readyState === WebSocket.CONNECTING || abandon) {
      this.ws.terminate();
      return;
    }
    this.ws.close(code, reason.slice(0, 120));
    // A peer that never answers the close handshake is cut off.
    const timer = setTimeout(() => this.ws.terminate(), 5000);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

// Module-level so it does not keep the upgrade request alive for the connection's lifetime.
const ignore = (): void => {};

/** Options of the raw WebSocket endpoint. */
export interface WebsocketEndpointOptions {
  path: string;
  maxPayloadBytes: number;
  limits: SocketLimits;
  accept(socket: WsServerSocket): void;
}

/** Whether `url` names the endpoint: exactly `path` or `path/`, with any query string. */
export function matchesPath(url: string | undefined, path: string): boolean {
  if (!url) return false;
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  return pathname === path || pathname === `${path}/`;
}

/** Upgrades matching requests to raw WebSocket connections. */
export class WebsocketEndpoint {
  private readonly wss: WebSocketServer;

  constructor(private readonly options: WebsocketEndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** Handles an `upgrade` if it is ours; returns false to let other listeners have it. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean {
    if (!matchesPath(req.url, this.options.path)) return false;
    socket.on('error', ignore);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.options.accept(new WsServerSocket(ws, socket, req, this.options.limits));
    });
    return true;
  }

  /** Stops accepting (existing sockets are closed by their sessions). */
  close(): void {
    this.wss.close();
  }
}
