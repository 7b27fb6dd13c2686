import { encode, randomId, type ServerMessage, withRetryHint } from '@ddpx/protocol';
import type { AbortReason, ConnectRequest } from '@ddpx/statecharts';
import { closeCodeFor } from './closeCodes.js';
import { ConnectionHandle, type ConnectionOwner } from './connectionHandle.js';
import { connectedMessage } from './handshake.js';
import { clientAddressOf } from './headers.js';
import { MergeBox } from './mergeBox.js';
import { MethodCalls, type MethodHost } from './methodCall.js';
import type { ResolvedOptions } from './options.js';
import { ReplayBuffer } from './replayBuffer.js';
import { ResumeTokens } from './resumeToken.js';
import type { ConnectingSession, ResumableSession, ResumeRequest } from './resumption.js';
import type { ServerSocket, ServerSocketHandlers, SocketFault } from './serverSocket.js';
import { type SessionActor, startSessionActor } from './sessionActor.js';
import type { SessionHost } from './sessionHost.js';
import { SessionInbound, type SessionInboundHost } from './sessionInbound.js';
import { SessionServices } from './sessionServices.js';
import type { SessionRecord } from './store.js';
import type { StoredSessionSource } from './storeLink.js';
import { Subscriptions, type SubscriptionsHost } from './subscriptions.js';
import type { CloseReason, TransportKind } from './types.js';

/**
 * One client session: its socket, its writes (numbered for replay), and the effects its chart's
 * actions call. The inbound path is {@link SessionInbound}, the resume decision `resumption.ts`. What an
 * idle session does not need (merge box, subscriptions, method memory, queue) is created on first use,
 * and the session is its socket's handler object itself.
 */
export class Session
  extends SessionServices
  implements
    MethodHost,
    SubscriptionsHost,
    ConnectionOwner,
    ServerSocketHandlers,
    SessionInboundHost,
    ResumableSession,
    ConnectingSession
{
  private sessionId = randomId();
  private handle: ConnectionHandle;
  readonly replay: ReplayBuffer;
  readonly transport: TransportKind;
  /** When the socket was accepted (`performance.now()`), for evicting idle handshakes. */
  readonly acceptedAt = performance.now();
  userId: string | null = null;
  // The secret a client must present to resume this session (issued in `connected`, rotated at every
  // resume): never in an event, a context, a snapshot or an inspector.
  private readonly tokens = new ResumeTokens();
  private socket: ServerSocket | undefined;
  private readonly actor: SessionActor;
  private box: MergeBox | undefined;
  private subs: Subscriptions | undefined;
  private methodCalls: MethodCalls | undefined;
  /** The inbound path: parse, handshake routing, the in-order queue. */
  readonly inbound: SessionInbound = new SessionInbound(this);

  constructor(
    host: SessionHost,
    socket: ServerSocket,
    address = clientAddressOf(socket.remoteAddress, socket.headers, host.options.forwardedCount),
  ) {
    super(host);
    const o = host.options;
    this.socket = socket;
    this.transport = socket.kind;
    // The socket's whitelisted headers are its own copy, never changed: shared, frozen.
    this.handle = new ConnectionHandle(this.sessionId, address, Object.freeze(socket.headers), this);
    this.replay = new ReplayBuffer(
      o.resume.gracePeriodMs > 0 ? o.resume.replayBufferMessages : 0,
      o.resume.maxTotalReplayBytes,
      host.replayBudget,
    );
    socket.setHandlers(this);
    this.actor = startSessionActor(this, o);
  }

  /** The session id (`connected.session`, `connection.id`): a stored session's when it was rebuilt here. */
  get id(): string {
    return this.sessionId;
  }

  /** The public connection handle. */
  get connection(): ConnectionHandle {
    return this.handle;
  }

  /** The session's merge box (created on first use). */
  get mergeBox(): MergeBox {
    this.box ??= new MergeBox(this);
    return this.box;
  }

  /** The session's subscriptions (created on first use). */
  get subscriptions(): Subscriptions {
    this.subs ??= new Subscriptions(this);
    return this.subs;
  }

  /** The session's method runner (created on first use). */
  get methods(): MethodCalls {
    const o = this.host.options;
    const resume = o.resume.gracePeriodMs > 0;
    this.methodCalls ??= new MethodCalls(this, {
      count: resume ? o.resume.methodResultMemory : 0,
      bytes: resume ? o.resume.methodResultMemoryBytes : 0,
      budget: this.host.replayBudget,
    });
    return this.methodCalls;
  }

  // ---- socket events (the session is its socket's handler object) ------------------------------------

  /** One inbound frame. */
  socketMessage(text: string): void {
    // What one inbound message produces at once (a method's `updated` + `result`, a publication's
    // first documents) leaves in one write.
    const socket = this.socket;
    socket?.cork();
    try {
      this.inbound.receive(text);
    } catch (err) {
      this.reportError(err, 'inbound frame');
    } finally {
      socket?.uncork();
    }
  }

  /** The socket closed. */
  socketClosed(code: number | undefined): void {
    this.socket = undefined;
    this.sendEvent({ type: 'SOCKET.CLOSED', ...(code === undefined ? {} : { code }) });
  }

  /** The transport failed in a way that ends the session. */
  socketFault(fault: SocketFault): void {
    this.abort(fault);
  }

  /** The server's options with defaults applied. */
  get options(): ResolvedOptions {
    return this.host.options;
  }

  /** Bytes queued on the current socket (0 while detached). */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  /** The machine's top-level state. */
  get phase(): string {
    const value = this.actor.getSnapshot().value;
    if (typeof value === 'string') return value;
    for (const key in value) return key; // a compound state: its top-level key, without allocating
    return '';
  }

  /** True once the machine reached a final state. */
  get ended(): boolean {
    return this.actor.getSnapshot().status !== 'active';
  }

  /** Sends a lifecycle event to the machine (ignored once it has finished). */
  sendEvent(event: Parameters<SessionActor['send']>[0]): void {
    if (!this.ended) this.actor.send(event);
  }

  // ---- inbound (the path itself is SessionInbound) -------------------------------------------------

  /** A `connect` before the handshake: the resume decision, then the chart. */
  connect(request: ResumeRequest): void {
    this.host.resumption.connect(this, request);
  }

  /** Tells the heartbeat the client was heard from (once per tick: the chart clears the mark). */
  noteActivity(): void {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active' || snapshot.context.inboundSinceTick) return;
    const value = snapshot.value;
    if (typeof value === 'object' && 'established' in value && value.established !== 'off') {
      this.actor.send({ type: 'DDP.ACTIVITY' });
    }
  }

  /** The negotiated DDP version, once established. */
  get version(): string | undefined {
    return this.actor.getSnapshot().context.version;
  }

  /** Writes an encoded frame straight to the socket (a `ping` or `pong`: not counted, not replayed). */
  sendRaw(frame: string): void {
    this.socket?.send(frame);
  }

  // ---- outbound -----------------------------------------------------------------------------------

  /** Encodes and writes one message. */
  send(message: ServerMessage): void {
    let frame: string;
    try {
      frame = encode(message);
    } catch (err) {
      this.reportError(err, `encoding '${message.msg}'`);
      return;
    }
    this.writeFrame(frame);
  }

  /** Writes one encoded message: counted and kept for replay once the session exists. */
  writeFrame(frame: string): void {
    if (this.replay.sentCount === 0) {
      this.socket?.send(frame);
      return;
    }
    if (this.ended) return;
    const lost = this.replay.record(frame);
    // Lifecycle consequences are deferred a microtask: a write can happen deep inside a merge-box or
    // subscription operation that must not see the session torn down under it. (The socket itself
    // counts every byte against `maxBufferedBytes` and reports a slow consumer the same way.)
    if (this.socket) {
      this.socket.send(frame);
    } else if (lost && this.phase === 'detached') {
      queueMicrotask(() => this.sendEvent({ type: 'BUFFER.OVERFLOW' }));
    }
  }

  /** Writes frames that belong together ({@link writeFrame} each), in one write. */
  writeFrames(frames: readonly string[]): void {
    const socket = this.socket;
    socket?.cork();
    try {
      for (const frame of frames) this.writeFrame(frame);
    } finally {
      socket?.uncork();
    }
  }

  // ---- lifecycle (bound to the machine's actions) --------------------------------------------------

  /** The socket is done or broken in a way the session cannot survive. */
  abort(reason: AbortReason): void {
    this.sendEvent({ type: 'ABORT', reason });
  }

  /** A new `connect` named this (detached) session but could not resume it: it ends (`superseded`). */
  supersede(): void {
    this.sendEvent({ type: 'SUPERSEDED' });
  }

  /** The server is full and this detached session is the oldest: it ends (`evicted`). */
  evict(): void {
    this.sendEvent({ type: 'EVICT' });
  }

  /** guard serverFull */
  serverFull(): boolean {
    return this.host.serverFull();
  }

  requestClose(): void {
    this.sendEvent({ type: 'CLOSE' });
  }

  /** action sendFailed */
  sendFailed(version: string | undefined): void {
    this.socket?.send(
      encode({ msg: 'failed', version: version ?? this.host.options.supportedDDPVersions[0]! }),
    );
  }

  /** action closeSocket: the reason, with the drain's "come back in" hint appended when there is one. */
  closeSocket(reason: CloseReason | undefined, retryInMs?: number): void {
    const socket = this.socket;
    this.socket = undefined;
    const text = reason ?? '';
    socket?.close(closeCodeFor(reason), retryInMs === undefined ? text : withRetryHint(text, retryInMs));
  }

  /**
   * action emitConnection: `connected` (with the resume outcome the chart's `DDP.CONNECT` carried, and
   * a resume token), universal publications, registration, onConnection.
   */
  establish(request: ConnectRequest | undefined): void {
    const rebuild = this.host.resumption.rebuildFor(this);
    if (rebuild) this.restore(rebuild);
    this.replay.push(null);
    const token = this.host.options.resume.gracePeriodMs > 0 ? this.tokens.issue() : undefined;
    const outcome = rebuild ? 'rebuilt' : request?.resume;
    this.socket?.send(encode(connectedMessage(this.id, outcome, token)));
    if (this.host.universalPublications().length > 0) this.subscriptions.startUniversal();
    this.host.established(this, this.host.resumption.staleFor(this), rebuild !== undefined);
    this.host.link?.established(this.stored());
  }

  // A session taken over from another process: its id and user, before anything is sent or run.
  private restore({ id, userId }: SessionRecord): void {
    const { clientAddress, httpHeaders } = this.handle;
    [this.sessionId, this.userId] = [id, userId];
    this.handle = new ConnectionHandle(id, clientAddress, httpHeaders, this);
  }
  private stored(): StoredSessionSource {
    const { id, userId, replay, tokens } = this;
    return { id, userId, version: this.version ?? '1', sentCount: replay.sentCount, tokens: tokens.valid };
  }

  /** action startBuffering */
  startBuffering(): void {
    this.socket = undefined;
    this.replay.markDetached();
  }

  /** The tokens that resume this session now (current, and the previous one while it may be in use). */
  get resumeTokens(): readonly [string | undefined, string | undefined] {
    return this.tokens.valid;
  }

  /** Whether every message after `receivedCount` is still held for a resume. */
  covers(receivedCount: number): boolean {
    return this.replay.covers(receivedCount);
  }

  /** action handOffSocket: this socket now belongs to the detached session being resumed. */
  handOff(request: ConnectRequest | undefined): void {
    this.host.resumption.handOff(this, request?.receivedCount);
  }

  /** Gives up the socket (a resume hands it over, or drops a replaced one). */
  takeSocket(): ServerSocket | undefined {
    const socket = this.socket;
    this.socket = undefined;
    return socket;
  }

  /** Takes `socket` (a resumed connection's) as this session's own. */
  adoptSocket(socket: ServerSocket): void {
    this.socket = socket;
    socket.setHandlers(this);
  }

  /** The client resumed presenting `token`. */
  acceptToken(token: string | undefined): void {
    this.tokens.accept(token);
  }

  /** action emitResume */
  emitResume(receivedCount: number): void {
    this.host.resumed(this, Math.max(0, this.replay.sentCount - receivedCount));
  }

  /** Number of the last message written (Meteor 3.5's `sentCount`). */
  sentCount(): number {
    return this.replay.sentCount;
  }

  /** Oldest message number a resuming client may still be missing (see {@link ReplayBuffer.firstReplayable}). */
  firstReplayable(): number {
    return this.replay.firstReplayable;
  }

  /** action flushBuffer: `connected` with the same id, then exactly the messages the client missed. */
  flushBuffer(receivedCount: number): void {
    const missed = this.replay.rewindTo(receivedCount);
    this.replay.push(null);
    this.socket?.send(encode(connectedMessage(this.id, 'resumed', this.tokens.issue())));
    this.host.link?.resumed(this.stored());
    for (const frame of missed) this.writeFrame(frame);
  }

  /** action dropBuffer */
  dropBuffer(): void {
    this.replay.release();
  }

  /** action emitDetach */
  emitDetach(): void {
    this.host.link?.detached(this.stored());
    this.host.detached(this);
  }

  /** action emitClose: the session really ends. */
  finish(reason: CloseReason): void {
    this.inbound.clear();
    this.socket = undefined;
    this.subs?.deactivateAll();
    this.box?.clear();
    this.methodCalls?.clear();
    this.replay.release();
    // A session that goes on on another process has not ended: no onClose, and its record stays.
    if (reason === 'moved') this.host.link?.forget(this.id);
    else {
      this.host.link?.closed(this.id);
      this.connection.runCloseCallbacks();
    }
    this.host.closed(this, reason);
  }

  /** What an inspector shows of this session: subscriptions, methods in flight, output held (bytes). */
  inspectStats(): { subscriptions: number; methodsInFlight: number; bufferedBytes: number } {
    return {
      subscriptions: this.subs?.size ?? 0,
      methodsInFlight: this.methodCalls?.inFlight ?? 0,
      bufferedBytes: (this.socket?.bufferedAmount ?? 0) + this.replay.heldBytes,
    };
  }

  /** The machine finished (any final state). */
  machineDone(): void {
    this.host.ended(this);
  }

  // ---- hosts (the rest are SessionServices') -------------------------------------------------------

  /** Changes the session's user (`this.setUserId` in a method): its subscriptions re-run. */
  async setUserId(userId: string | null): Promise<void> {
    if (this.ended) throw new Error("Can't call setUserId on a closed session");
    if (userId === this.userId) return;
    this.userId = userId;
    this.host.link?.userChanged(this.id, userId);
    await this.subs?.rerunAll();
  }
}
