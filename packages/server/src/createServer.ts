import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectRequest } from '@ddpx/statecharts';
import { ConnectionsView } from './connectionsView.js';
import { ServerEventEmitter } from './events.js';
import { bindHttpServer } from './httpBinding.js';
import { openInspectorLink, type ServerInspectorLink } from './inspectorLink.js';
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options.js';
import { ReplayBudget } from './replayBuffer.js';
import type { ServerSocket } from './serverSocket.js';
import { Session } from './session.js';
import type { SessionHost } from './sessionHost.js';
import { SockjsEndpoint } from './sockjsEndpoint.js';
import type {
  CloseReason,
  Connection,
  MethodHandler,
  PublicationHandler,
  ResumeRefusal,
  ServerEvents,
  ServerListener,
} from './types.js';
import { WebsocketEndpoint } from './websocketEndpoint.js';

/** Options of {@link DDPServer.close}. */
export interface CloseOptions {
  /** Spread the closing of sessions evenly over this many ms instead of closing all at once. @default 0 */
  drainMs?: number;
}

/** A handle returned by {@link DDPServer.onConnection}. */
export interface ConnectionHookHandle {
  /** Stops calling the callback (also for the connection being handled right now). */
  stop(): void;
}

/** A DDP server over raw WebSocket and SockJS whose sessions are driven by the server session machine. */
export class DDPServer {
  /** The options with defaults applied. */
  readonly options: ResolvedOptions;
  private readonly methodHandlers = new Map<string, MethodHandler>();
  private readonly publications = new Map<string, PublicationHandler>();
  private readonly universal: PublicationHandler[] = [];
  private readonly connectionHooks = new Set<(connection: Connection) => void>();
  private readonly events = new ServerEventEmitter();
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Set<Session>();
  private readonly connectionMap = new ConnectionsView(this.sessions);
  private readonly replayBudget: ReplayBudget;
  private readonly websocket: WebsocketEndpoint | undefined;
  private readonly sockjs: SockjsEndpoint | undefined;
  private readonly host: SessionHost;
  private httpServer: HttpServer | undefined;
  private ownsHttpServer = false;
  private unbind: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly inspectorLink: ServerInspectorLink | undefined;

  constructor(options?: ServerOptions) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.replayBudget = new ReplayBudget(o.resume.maxTotalReplayBytes);
    const accept = (socket: ServerSocket) => this.accept(socket);
    this.websocket =
      o.websocketPath === false
        ? undefined
        : new WebsocketEndpoint({ path: o.websocketPath, maxPayloadBytes: o.maxPayloadBytes, accept });
    this.sockjs =
      o.sockjsPrefix === false
        ? undefined
        : new SockjsEndpoint({
            prefix: o.sockjsPrefix,
            heartbeatDelay: o.sockjsHeartbeatDelay,
            disconnectDelay: o.sockjsDisconnectDelay,
            maxPayloadBytes: o.maxPayloadBytes,
            accept,
          });
    this.host = this.sessionHost();
    this.inspectorLink = openInspectorLink(this.options, () => this.httpServer);
  }

  /** Live sessions (established or detached), by id. */
  get connections(): ReadonlyMap<string, Connection> {
    return this.connectionMap;
  }

  /** The http server the endpoints are attached to, if any. */
  get server(): HttpServer | undefined {
    return this.httpServer;
  }

  /** Defines methods; a name defined twice throws. */
  methods(defs: Record<string, MethodHandler>): void {
    for (const [name, handler] of Object.entries(defs)) {
      if (typeof handler !== 'function') throw new TypeError(`Method '${name}' must be a function`);
      if (this.methodHandlers.has(name)) throw new Error(`A method named '${name}' is already defined`);
      this.methodHandlers.set(name, handler);
    }
  }

  /** Defines a publication; `null` defines a universal one that runs for every session. */
  publish(name: string | null, handler: PublicationHandler): void {
    if (typeof handler !== 'function') throw new TypeError('Publication handler must be a function');
    if (name === null) {
      this.universal.push(handler);
      return;
    }
    if (typeof name !== 'string') throw new TypeError('Publication name must be a string or null');
    if (this.publications.has(name)) throw new Error(`A publication named '${name}' is already defined`);
    this.publications.set(name, handler);
  }

  /** Calls `callback` for every new session, after `connected`; returns a handle whose stop() unregisters it. */
  onConnection(callback: (connection: Connection) => void): ConnectionHookHandle {
    if (typeof callback !== 'function') throw new TypeError('onConnection expects a function');
    const entry = (connection: Connection) => callback(connection);
    this.connectionHooks.add(entry);
    return { stop: () => void this.connectionHooks.delete(entry) };
  }

  /** Listens to a lifecycle event; returns the unsubscribe function. */
  on<E extends keyof ServerEvents>(event: E, listener: ServerListener<E>): () => void {
    return this.events.on(event, listener);
  }

  /** Serves the endpoints on an existing http server without disturbing its other routes. */
  attach(httpServer: HttpServer): this {
    if (this.httpServer) throw new Error('This DDP server is already attached to an http server');
    this.httpServer = httpServer;
    this.unbind = bindHttpServer(httpServer, {
      request: (req, res) => (this.closing ? false : (this.sockjs?.handleRequest(req, res) ?? false)),
      upgrade: (req, socket, head) => {
        if (this.closing) return false;
        if (this.websocket?.handleUpgrade(req, socket, head)) return true;
        return this.sockjs?.handleUpgrade(req, socket, head) ?? false;
      },
    });
    return this;
  }

  /**
   * Listens on `port` (0 for any free port) with an http server of its own, or the attached one, with
   * a pending-connection queue of `options.backlog`.
   */
  listen(port = 0, host?: string): Promise<AddressInfo> {
    if (!this.httpServer) {
      this.attach(createHttpServer());
      this.ownsHttpServer = true;
    }
    const server = this.httpServer!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      const listenOptions = host === undefined ? { port } : { port, host };
      server.listen({ ...listenOptions, backlog: this.options.backlog }, () => {
        server.removeListener('error', onError);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting, closes every session (spread over `drainMs`, reason `server-close`), detaches from
   * the http server and, when the server created it, closes it.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(Math.max(0, options.drainMs ?? 0));
    return this.closing;
  }

  private async shutdown(drainMs: number): Promise<void> {
    for (const session of [...this.pending]) session.sendEvent({ type: 'SERVER.CLOSE' });
    const sessions = [...this.sessions.values()];
    if (drainMs > 0 && sessions.length > 1) {
      const step = drainMs / sessions.length;
      await new Promise<void>((resolve) => {
        let i = 0;
        const next = () => {
          const session = sessions[i++];
          if (!session) {
            resolve();
            return;
          }
          session.sendEvent({ type: 'SERVER.CLOSE' });
          setTimeout(next, step);
        };
        next();
      });
    } else {
      for (const session of sessions) session.sendEvent({ type: 'SERVER.CLOSE' });
    }
    for (const session of [...this.pending]) session.sendEvent({ type: 'SERVER.CLOSE' });
    this.websocket?.close();
    this.inspectorLink?.close();
    this.unbind?.();
    this.unbind = undefined;
    const server = this.httpServer;
    if (server && this.ownsHttpServer && server.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  private accept(socket: ServerSocket): void {
    if (this.closing) {
      socket.close(1001, 'server closing');
      return;
    }
    if (this.sessions.size + this.pending.size >= this.options.maxSessions) {
      socket.close(1013, 'too many sessions');
      return;
    }
    const session = new Session(this.host, socket);
    if (!session.ended) this.pending.add(session);
  }

  private reportError(error: unknown, context: string, connection?: Connection): void {
    this.events.emit('error', connection ? { error, context, connection } : { error, context });
  }

  private runConnectionHooks(connection: Connection): void {
    for (const hook of [...this.connectionHooks]) {
      if (!this.connectionHooks.has(hook)) continue;
      try {
        hook(connection);
      } catch (error) {
        this.reportError(error, 'onConnection callback', connection);
      }
    }
  }

  private sessionHost(): SessionHost {
    return {
      options: this.options,
      replayBudget: this.replayBudget,
      method: (name) => this.methodHandlers.get(name),
      publication: (name) => this.publications.get(name),
      universalPublications: () => this.universal,
      resumable: (request) => this.resumable(request),
      resumeRefusal: (request) => this.resumeRefusal(request),
      replaceHalfOpen: (request) => {
        if (this.options.resume.gracePeriodMs === 0 || typeof request.session !== 'string') return;
        const live = this.sessions.get(request.session);
        const count = request.receivedCount;
        if (live?.phase !== 'established' || typeof count !== 'number' || !live.replay.covers(count)) return;
        live.dropReplacedSocket();
      },
      handOff: (from, request) => {
        const target = this.resumable(request);
        const socket = from.takeSocket();
        if (target && socket) target.resumeOn(socket, request!.receivedCount!);
        else socket?.close(1011, 'resume failed');
      },
      established: (session, request) => {
        this.supersede(request);
        this.pending.delete(session);
        this.sessions.set(session.id, session);
        this.runConnectionHooks(session.connection);
        this.events.emit('connection', { connection: session.connection });
      },
      detached: (session) =>
        this.events.emit('detach', {
          connection: session.connection,
          gracePeriodMs: this.options.resume.gracePeriodMs,
        }),
      resumed: (session, replayed) =>
        this.events.emit('resume', { connection: session.connection, replayed }),
      closed: (session, reason: CloseReason) => {
        this.unregister(session);
        this.events.emit('close', { connection: session.connection, reason });
      },
      ended: (session) => this.unregister(session),
      reportError: (error, context, connection) => this.reportError(error, context, connection),
    };
  }

  private unregister(session: Session): void {
    this.pending.delete(session);
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
    }
  }

  private resumable(request: ConnectRequest | undefined): Session | undefined {
    if (!request || typeof request.session !== 'string' || typeof request.receivedCount !== 'number') return;
    const session = this.sessions.get(request.session);
    if (session?.phase !== 'detached') return;
    return session.replay.covers(request.receivedCount) ? session : undefined;
  }

  private resumeRefusal(request: ConnectRequest | undefined): ResumeRefusal | undefined {
    if (!request || typeof request.session !== 'string') return undefined;
    if (this.options.resume.gracePeriodMs === 0) return 'resume-disabled';
    const session = this.sessions.get(request.session);
    if (!session) return 'unknown-session';
    if (typeof request.receivedCount !== 'number') return 'no-received-count';
    return 'count-outside-buffer';
  }

  // A `connect` naming a detached session it cannot resume: that session is removed now (Meteor 3.5),
  // with reason `superseded` (the new connection's `resumeReason` says why it could not resume).
  private supersede(request: ConnectRequest | undefined): void {
    if (!request || typeof request.session !== 'string') return;
    const stale = this.sessions.get(request.session);
    if (stale?.phase === 'detached') stale.supersede();
  }
}

/** Creates a DDP server; call `listen()` or `attach(httpServer)` to serve it. */
export function createServer(options?: ServerOptions): DDPServer {
  return new DDPServer(options);
}
