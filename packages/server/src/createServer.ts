import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComeBack } from '@ddpx/statecharts';
import { CloseCode } from './closeCodes.js';
import { ConnectionsView } from './connectionsView.js';
import { ServerEventEmitter } from './events.js';
import { clientAddressOf } from './headers.js';
import { bindHttpServer } from './httpBinding.js';
import { openInspectorLink, type ServerInspectorLink } from './inspectorLink.js';
import { MemoryBus } from './memoryBus.js';
import { type ResolvedOptions, resolveOptions, type ServerOptions } from './options.js';
import { RateLimiter } from './rateLimiter.js';
import { ReplayBudget } from './replayBuffer.js';
import { type DecideResume, decideResume, type ResumeRequest, Resumption } from './resumption.js';
import { ServerLifecycle } from './serverLifecycle.js';
import type { ServerSocket } from './serverSocket.js';
import { Session } from './session.js';
import type { SessionHost } from './sessionHost.js';
import { NOT_STICKY_MESSAGE, SockjsEndpoint } from './sockjsEndpoint.js';
import type { Bus, ClusterSession } from './store.js';
import { StoreLink } from './storeLink.js';
import type {
  CloseReason,
  Connection,
  MethodHandler,
  PublicationHandler,
  ServerEvents,
  ServerListener,
} from './types.js';
import { WebsocketEndpoint } from './websocketEndpoint.js';

/** How often a method id running on another live process is looked up again. */
const CLAIM_POLL_MS = 25;
/** Longest a draining server waits for methods still running to record their answers. */
const METHOD_SETTLE_MS = 10_000;

/** A pending handshake at least this old may be evicted to make room for a new socket. */
const IDLE_HANDSHAKE_MS = 1000;

/** Options of {@link DDPServer.close}. */
export interface CloseOptions {
  /** Spread the closing of sessions evenly over this many ms instead of closing all at once. @default 0 */
  drainMs?: number;
  /**
   * Tell each closed session's client when to come back (a ddpx hint in the close reason, which other
   * DDP clients ignore): `afterMs` after the drain ends, spread evenly over `windowMs` in closing
   * order; `false` sends none. A ddpx client waits for it instead of its backoff.
   * @default `{ afterMs: 1000, windowMs: max(1000, drainMs) }` when `drainMs > 0` and no shared store; none otherwise
   */
  comeBack?: { afterMs?: number; windowMs?: number } | false;
}

/** `comeBack`'s defaults: a restart takes about a second; clients return at the pace the drain sent them away. */
const COME_BACK_DEFAULTS = Object.freeze({ afterMs: 1000, minWindowMs: 1000 });

/**
 * The drain's come-back plan from `close()`'s options. By default only a drain without a shared store
 * hints: with a store the other processes are up, and the client's own 10 ms first retry is right.
 */
function comeBackPlan(options: CloseOptions, drainMs: number, shared: boolean): ComeBack | undefined {
  const given = options.comeBack;
  if (given === false || (given === undefined && (drainMs === 0 || shared))) return undefined;
  const nonNegative = (ms: number | undefined, fallback: number) =>
    ms !== undefined && ms >= 0 ? ms : fallback;
  return {
    afterMs: nonNegative(given?.afterMs, COME_BACK_DEFAULTS.afterMs),
    windowMs: nonNegative(given?.windowMs, Math.max(COME_BACK_DEFAULTS.minWindowMs, drainMs)),
  };
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
  /**
   * Meteor's `DDPRateLimiter` for this server: `addRule(matcher, numRequests, timeIntervalMs, callback?)`
   * and `removeRule(id)`; a refused call or subscription gets `too-many-requests` with `details.timeToReset`.
   */
  readonly rateLimiter: RateLimiter;
  /**
   * A small publish/subscribe bus: in this process by default, Redis pub/sub with `redisStore()`, so a
   * publication on one process hears a change made by a method on another.
   */
  readonly bus: Bus;
  private readonly methodHandlers = new Map<string, MethodHandler>();
  private readonly publications = new Map<string, PublicationHandler>();
  private readonly universal: PublicationHandler[] = [];
  private readonly connectionHooks = new Set<(connection: Connection) => void>();
  private readonly events = new ServerEventEmitter();
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Set<Session>();
  /** Handshakes in progress per client address (the `maxPendingHandshakesPerAddress` cap). */
  private readonly pendingByAddress = new Map<string, number>();
  /** Detached sessions, oldest detach first: the order in which a full server evicts them. */
  private readonly detachedOrder = new Set<Session>();
  private readonly connectionMap = new ConnectionsView(this.sessions);
  private readonly replayBudget: ReplayBudget;
  private readonly websocket: WebsocketEndpoint | undefined;
  private readonly sockjs: SockjsEndpoint | undefined;
  private readonly host: SessionHost;
  private httpServer: HttpServer | undefined;
  private ownsHttpServer = false;
  private unbind: (() => void) | undefined;
  private readonly lifecycle: ServerLifecycle;
  private readonly inspectorLink: ServerInspectorLink | undefined;
  private readonly link: StoreLink | undefined;

  constructor(options?: ServerOptions) {
    this.options = resolveOptions(options);
    const o = this.options;
    this.replayBudget = new ReplayBudget(o.resume.maxTotalReplayBytes);
    this.rateLimiter = new RateLimiter({
      onCallbackError: (error) => this.reportError(error, 'rate limit callback'),
    });
    const accept = (socket: ServerSocket) => this.accept(socket);
    const limits = { maxBufferedBytes: o.maxBufferedBytes, maxMessagesPerSecond: o.maxMessagesPerSecond };
    this.websocket =
      o.websocketPath === false
        ? undefined
        : new WebsocketEndpoint({
            path: o.websocketPath,
            maxPayloadBytes: o.maxPayloadBytes,
            limits,
            accept,
          });
    this.sockjs =
      o.sockjsPrefix === false
        ? undefined
        : new SockjsEndpoint({
            prefix: o.sockjsPrefix,
            heartbeatDelay: o.sockjsHeartbeatDelay,
            disconnectDelay: o.sockjsDisconnectDelay,
            maxPayloadBytes: o.maxPayloadBytes,
            limits,
            accept,
            misrouted: (id, transport) =>
              this.reportError(new Error(NOT_STICKY_MESSAGE.replace('%s', id)), `sockjs ${transport}`),
          });
    this.bus =
      o.store?.bus ?? new MemoryBus((error, topic) => this.reportError(error, `bus handler of '${topic}'`));
    this.link = o.store
      ? new StoreLink(o.store, {
          gracePeriodMs: o.resume.gracePeriodMs,
          claimPollMs: CLAIM_POLL_MS,
          reportError: (error, context) => this.reportError(error, context),
        })
      : undefined;
    // Another process took one of ours over (its client reconnected there): our copy goes, quietly.
    o.store?.onTakeover((id) => this.sessions.get(id)?.sendEvent({ type: 'MOVED' }));
    this.host = this.sessionHost();
    this.inspectorLink = openInspectorLink(this.options, () => this.httpServer);
    this.lifecycle = new ServerLifecycle(
      {
        closePending: () => {
          for (const session of [...this.pending]) session.sendEvent({ type: 'SERVER.CLOSE' });
        },
        // With a shared store a drained session is handed over (StoreLink.handOver), not closed.
        liveSessions: () => {
          const sessions = [...this.sessions.values()];
          const handOver = this.link?.handOver();
          return handOver
            ? sessions.map((session) => ({
                sendEvent: (event: { retryInMs?: number }) => handOver(session, event.retryInMs),
              }))
            : sessions;
        },
        stopServing: () => this.stopServing(),
        reportError: (error, context) => this.reportError(error, context),
      },
      this.options,
    );
  }

  /** Live sessions (established or detached), by id. */
  get connections(): ReadonlyMap<string, Connection> {
    return this.connectionMap;
  }

  /**
   * The cluster view: every session of every process sharing this server's store, with its owning
   * process and state; without a store, this process's sessions.
   */
  async clusterSessions(): Promise<ClusterSession[]> {
    const store = this.options.store;
    if (store) return store.sessions();
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      owner: '',
      state: s.phase === 'detached' ? 'detached' : 'established',
      userId: s.userId,
    }));
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
      // While draining, only the polls and sends of sessions already here (their close frames).
      request: (req, res) =>
        this.lifecycle.accepting || this.sockjs?.servesHeldSession(req)
          ? (this.sockjs?.handleRequest(req, res) ?? false)
          : false,
      upgrade: (req, socket, head) => {
        if (!this.lifecycle.accepting) return false;
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
   * Stops accepting, closes every session (spread over `drainMs`, reason `server-close`, each told when
   * to come back per `comeBack`), detaches from the http server and, when the server created it, closes it.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const drainMs = Math.max(0, options.drainMs ?? 0);
    return this.lifecycle.close(drainMs, comeBackPlan(options, drainMs, this.link !== undefined));
  }

  // The lifecycle chart's `stopServing`: the drain is over.
  private async stopServing(): Promise<void> {
    // Handed-over sessions: their releases written, methods still running answered into the store.
    await this.link?.handedOver(METHOD_SETTLE_MS);
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
    const o = this.options;
    if (!this.lifecycle.accepting) {
      socket.close(CloseCode.goingAway, 'server closing');
      return;
    }
    // Full of live sessions, none detached to evict: only a resume could succeed, and none can.
    if (this.sessions.size >= o.maxSessions && this.detachedOrder.size === 0) {
      socket.close(CloseCode.tryAgainLater, 'too many sessions');
      return;
    }
    const address = clientAddressOf(socket.remoteAddress, socket.headers, o.forwardedCount);
    const key = address ?? '';
    const fromAddress = this.pendingByAddress.get(key) ?? 0;
    if (this.pending.size >= o.maxPendingHandshakes) this.evictIdleHandshake();
    if (this.pending.size >= o.maxPendingHandshakes || fromAddress >= o.maxPendingHandshakesPerAddress) {
      socket.close(CloseCode.tryAgainLater, 'too many handshakes');
      return;
    }
    const session = new Session(this.host, socket, address);
    if (session.ended) return;
    this.pending.add(session);
    this.pendingByAddress.set(key, fromAddress + 1);
  }

  // The oldest handshake makes room when it has been idle long enough that no real client is that slow.
  private evictIdleHandshake(): void {
    const oldest = this.pending.values().next().value;
    if (oldest && performance.now() - oldest.acceptedAt >= IDLE_HANDSHAKE_MS) oldest.abort('evicted');
  }

  private settlePending(session: Session): void {
    if (!this.pending.delete(session)) return;
    const key = session.connection.clientAddress ?? '';
    const left = (this.pendingByAddress.get(key) ?? 1) - 1;
    if (left > 0) this.pendingByAddress.set(key, left);
    else this.pendingByAddress.delete(key);
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
      rateLimiter: this.rateLimiter,
      method: (name) => this.methodHandlers.get(name),
      publication: (name) => this.publications.get(name),
      universalPublications: () => this.universal,
      link: this.link,
      resumption: new Resumption<Session>((request) => this.decideResume(request)),
      serverFull: () => this.sessions.size >= this.options.maxSessions && this.detachedOrder.size === 0,
      established: (session, stale, rebuilt) => {
        // The owner's own detached session that could not be resumed ends now (Meteor 3.5).
        stale?.supersede();
        this.settlePending(session);
        if (this.sessions.size >= this.options.maxSessions) this.detachedOrder.values().next().value?.evict();
        this.sessions.set(session.id, session);
        // A session rebuilt from the store is not new: onConnection ran on the process that started it.
        if (rebuilt) {
          this.events.emit('resume', { connection: session.connection, replayed: 0, rebuilt: true });
          return;
        }
        this.runConnectionHooks(session.connection);
        this.events.emit('connection', { connection: session.connection });
      },
      detached: (session) => {
        this.detachedOrder.add(session);
        this.events.emit('detach', {
          connection: session.connection,
          gracePeriodMs: this.options.resume.gracePeriodMs,
        });
      },
      resumed: (session, replayed) => {
        this.detachedOrder.delete(session);
        this.events.emit('resume', { connection: session.connection, replayed });
      },
      closed: (session, reason: CloseReason) => {
        this.unregister(session);
        this.events.emit('close', { connection: session.connection, reason });
      },
      ended: (session) => this.unregister(session),
      reportError: (error, context, connection) => this.reportError(error, context, connection),
    };
  }

  // This process's sessions first; one it does not hold may be another process's (a shared store).
  private decideResume(request: ResumeRequest): ReturnType<DecideResume<Session>> {
    const local = decideResume(request, (id) => this.sessions.get(id), this.options.resume);
    return this.link ? this.link.decide(local, request) : local;
  }

  private unregister(session: Session): void {
    this.settlePending(session);
    this.detachedOrder.delete(session);
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
    }
  }
}

/** Creates a DDP server; call `listen()` or `attach(httpServer)` to serve it. */
export function createServer(options?: ServerOptions): DDPServer {
  return new DDPServer(options);
}
