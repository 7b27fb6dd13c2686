import { type Transport, TransportEmitter, type TransportFactory } from './transport.js';

/**
 * The server end of one in-memory transport: what the client sent, and controls to answer, accept,
 * refuse or drop it. Test-driven calls deliver synchronously; the client's own `open()`/`close()`
 * never see a synchronous event.
 */
export class MemorySocket {
  /** Frames the client sent on this socket, in order. */
  readonly sent: string[] = [];
  /** `connecting` until accepted, `open`, then `closed`. */
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  /** @internal the client-side emitter */
  readonly emitter = new TransportEmitter();

  constructor(
    /** The URL the client opened. */
    readonly url: string,
  ) {}

  /** The client's frames parsed as JSON objects. */
  messages(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  /** Completes the open: the client sees `open`. */
  accept(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.emitter.emit('open', undefined);
  }

  /** Fails the open: the client sees `error` then `close` (1006). */
  refuse(): void {
    if (this.state === 'closed') return;
    this.emitter.emit('error', new Error('connection refused'));
    this.drop(1006, 'refused');
  }

  /** Delivers a message to the client: an object is JSON-encoded, a string is sent as it is. */
  receive(message: unknown): void {
    if (this.state !== 'open') return;
    this.emitter.emit('message', typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Closes from the server side (unclean by default, like a lost network). */
  drop(code = 1006, reason = '', wasClean = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emitter.emit('close', { code, reason, wasClean });
    this.emitter.clear();
  }
}

class MemoryClientTransport implements Transport {
  constructor(
    private readonly socket: MemorySocket,
    private readonly server: MemoryServer,
  ) {}
  open(): void {
    this.server.sockets.push(this.socket);
    if (this.server.autoAccept) queueMicrotask(() => this.socket.accept());
  }
  send(data: string): void {
    if (this.socket.state !== 'open') return;
    this.socket.sent.push(data);
    this.server.sent.push(data);
  }
  close(code = 1000, reason = ''): void {
    if (this.socket.state === 'closed') return;
    queueMicrotask(() => this.socket.drop(code, reason, true));
  }
  on: Transport['on'] = (event, listener) => this.socket.emitter.on(event, listener);
}

/** An in-memory "server" for unit tests: every client connection attempt becomes a {@link MemorySocket}. */
export class MemoryServer {
  /** Every socket ever opened, oldest first. */
  readonly sockets: MemorySocket[] = [];
  /** Every frame any client sent, across sockets. */
  readonly sent: string[] = [];
  /** Accept each open on the next microtask. @default false */
  autoAccept = false;

  /** The transport factory to pass as `connect(url, { transport })`. */
  readonly transport: TransportFactory = (url) => new MemoryClientTransport(new MemorySocket(url), this);

  /** The newest socket (throws when none was opened). */
  get current(): MemorySocket {
    const socket = this.sockets[this.sockets.length - 1];
    if (!socket) throw new Error('no socket was opened');
    return socket;
  }
}
