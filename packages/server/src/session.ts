import {
  type ClientMessage,
  type ConnectedMessage,
  type ErrorMessage,
  encode,
  parse,
  type Rejection,
  randomId,
  type ServerMessage,
  type WireError,
} from '@ddpx/protocol';
import type { AbortReason, ConnectRequest } from '@ddpx/statecharts';
import { ConnectionHandle, type ConnectionOwner } from './connectionHandle.js';
import { clientAddressOf } from './headers.js';
import { MergeBox } from './mergeBox.js';
import { MethodCalls, type MethodHost } from './methodCall.js';
import { ReplayBuffer } from './replayBuffer.js';
import { newResumeToken, type ResumeDecision, type ResumeRequest } from './resumption.js';
import { CloseCode, type ServerSocket, type ServerSocketHandlers, type SocketFault } from './serverSocket.js';
import { type SessionActor, startSessionActor } from './sessionActor.js';
import { closeCodeFor, connectRequest } from './sessionHelpers.js';
import type { SessionHost } from './sessionHost.js';
import type { MethodClaim, SessionRecord } from './store.js';
import type { RemoteLookup, StoredSessionSource } from './storeLink.js';
import { Subscriptions, type SubscriptionsHost } from './subscriptions.js';
import type { CloseReason, Connection, MethodHandler, PublicationHandler, TransportKind } from './types.js';

type QueueItem = ClientMessage | ErrorMessage;

const ignore = (): void => {};
const IGNORED_SOCKET: ServerSocketHandlers = {
  socketMessage: ignore,
  socketClosed: ignore,
  socketFault: ignore,
};
const PONG = '{"msg":"pong"}';
const PING = '{"msg":"ping"}';

/**
 * One client session: parse and dispatch, the in-order queue, writes, and the bindings its machine
 * calls. What an idle session does not need (merge box, subscriptions, method memory, queue) is
 * created on first use, and the session is its socket's handler object itself.
 */
export class Session implements MethodHost, SubscriptionsHost, ConnectionOwner, ServerSocketHandlers {
  private sessionId = randomId();
  private handle: ConnectionHandle;
  /** Frames that arrived while the store was asked about the session named in `connect`. */
  private held: string[] | undefined;
  /** The stored session this one continues (taken over from another process), until established. */
  private rebuilding: SessionRecord | undefined;
  readonly replay: ReplayBuffer;
  readonly transport: TransportKind;
  /** When the socket was accepted (`performance.now()`), for evicting idle handshakes. */
  readonly acceptedAt = performance.now();
  userId: string | null = null;
  // The secret a client must present to resume this session, rotated at every resume; the one before
  // stays valid until the client shows it has the newer one (by resuming with it).
  private token: string | undefined;
  private previousToken: string | undefined;
  private socket: ServerSocket | undefined;
  /** The resume decision taken when this socket's `connect` arrived. */
  private decision: ResumeDecision<Session> | undefined;
  private readonly actor: SessionActor;
  private box: MergeBox | undefined;
  private subscriptions: Subscriptions | undefined;
  private methodCalls: MethodCalls | undefined;
  private queue: QueueItem[] | undefined;
  private resumes = 0;
  private pumping = false;
  private detachedAt = 0;
  private resumeCount = 0;

  constructor(
    private readonly host: SessionHost,
    socket: ServerSocket,
    address = clientAddressOf(socket.remoteAddress, socket.headers, host.options.forwardedCount),
  ) {
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

  private get subs(): Subscriptions {
    this.subscriptions ??= new Subscriptions(this);
    return this.subscriptions;
  }

  private get methods(): MethodCalls {
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
      this.receive(text);
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

  // ---- inbound ------------------------------------------------------------------------------------

  private receive(text: string): void {
    if (this.ended) return;
    if (this.held) {
      if (this.held.length >= this.host.options.maxQueuedMessages) this.abort('queue-overflow');
      else this.held.push(text);
      return;
    }
    this.noteActivity();
    const o = this.host.options;
    const res = parse(text, { from: 'client', maxDepth: o.maxDepth, serverVersions: o.supportedDDPVersions });
    if (!res.ok) {
      this.rejected(res);
      return;
    }
    const m = res.message;
    if (m.msg === 'connect') {
      if (this.phase === 'awaitingConnect') this.connect(connectRequest(m));
      else this.sendError('Already connected', m);
      return;
    }
    if (this.phase === 'awaitingConnect') {
      this.sendError('Must connect first', m);
      return;
    }
    const pre1 = this.version === 'pre1';
    if (m.msg === 'ping' && !pre1) {
      this.socket?.send(m.id === undefined ? PONG : encode({ msg: 'pong', id: m.id }));
      return;
    }
    if (m.msg === 'pong' && !pre1) return;
    if (m.msg === 'disconnect') {
      this.sendEvent({ type: 'DISCONNECT' });
      return;
    }
    if (m.msg === 'method' && !this.methods.admit(m)) return; // already here once: never run twice
    if (m.msg === 'ping' || m.msg === 'pong')
      this.enqueue({ msg: 'error', reason: 'Bad request', offendingMessage: m });
    else this.enqueue(m);
  }

  // The resume decision is taken once, here; the chart's guard, the hand-off and `connected` read it.
  // The token stays out of the event, so it never enters a snapshot (or an inspector).
  private connect(request: ResumeRequest): void {
    const decision = this.host.decideResume(request);
    const link = this.host.link;
    // Not held here, but maybe by another process: ask the store (frames arriving meanwhile wait).
    if (link && decision.kind === 'new' && decision.reason === 'unknown-session' && request.resumeToken) {
      this.held = [];
      void link.lookup(request).then((found) => this.connectFromStore(request, found));
      return;
    }
    this.decision = decision;
    if (decision.kind === 'resume' && decision.session.phase === 'established') {
      decision.session.dropReplacedSocket();
    }
    const { resumeToken: _secret, ...chartRequest } = request;
    this.sendEvent({ type: 'DDP.CONNECT', ...chartRequest });
  }

  private connectFromStore(request: ResumeRequest, found: RemoteLookup): void {
    const held = this.held ?? [];
    this.held = undefined;
    if (this.ended) {
      if (found.kind === 'rebuild') void this.host.link?.release(found.record.id);
      return;
    }
    if (found.kind === 'rebuild') {
      const record = found.record;
      this.rebuilding = record;
      this.sessionId = record.id;
      this.handle = new ConnectionHandle(record.id, this.handle.clientAddress, this.handle.httpHeaders, this);
      this.userId = record.userId;
      this.decision = { kind: 'new', reason: undefined };
    } else this.decision = { kind: 'new', reason: found.reason };
    const { resumeToken: _secret, ...chartRequest } = request;
    this.sendEvent({ type: 'DDP.CONNECT', ...chartRequest });
    const socket = this.socket;
    socket?.cork();
    try {
      for (const text of held) this.receive(text);
    } finally {
      socket?.uncork();
    }
  }

  private rejected(res: Rejection): void {
    const offending = res.offendingMessage as { msg?: unknown } | undefined;
    if (res.kind === 'bad-connect') {
      if (this.phase === 'awaitingConnect')
        this.connect(connectRequest(offending as Record<string, unknown>));
      else this.sendError('Already connected', offending);
      return;
    }
    if (res.kind === 'unknown-msg' || res.kind === 'bad-field') {
      if (this.phase === 'awaitingConnect') this.sendError('Must connect first', offending);
      else this.enqueue(res.reply as ErrorMessage);
      return;
    }
    this.send(res.reply);
  }

  private noteActivity(): void {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active' || snapshot.context.inboundSinceTick) return;
    const value = snapshot.value;
    if (typeof value === 'object' && 'established' in value && value.established !== 'off') {
      this.actor.send({ type: 'DDP.ACTIVITY' });
    }
  }

  private get version(): string | undefined {
    return this.actor.getSnapshot().context.version;
  }

  // ---- the in-order queue -------------------------------------------------------------------------

  private enqueue(item: QueueItem): void {
    this.queue ??= [];
    const queue = this.queue;
    if (queue.length >= this.host.options.maxQueuedMessages) {
      this.abort('queue-overflow');
      return;
    }
    queue.push(item);
    if (!this.pumping) this.pump();
  }

  private pump(): void {
    this.pumping = true;
    for (let item = this.queue?.shift(); item !== undefined; item = this.queue?.shift()) {
      if (this.ended) {
        this.queue = undefined;
        break;
      }
      let blocking: void | Promise<void> | undefined;
      try {
        blocking = this.process(item);
      } catch (err) {
        this.reportError(err, `processing '${item.msg}'`);
      }
      if (blocking) {
        const resume = () => this.pump();
        blocking.then(resume, resume);
        return;
      }
    }
    this.queue = undefined;
    this.pumping = false;
  }

  private process(item: QueueItem): void | Promise<void> {
    switch (item.msg) {
      case 'method':
        return this.methods.run(item);
      case 'sub':
        this.host.link?.subscribed(this.id, { id: item.id, name: item.name, params: item.params ?? [] });
        return this.subs.start(item);
      case 'unsub':
        this.host.link?.unsubscribed(this.id, item.id);
        this.subs.stopSubscription(item.id);
        return;
      case 'error':
        this.send(item);
        return;
      default:
        this.sendError('Bad request', item);
    }
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
    const dropped = this.replay.push(frame);
    const budgetDrop = this.replay.shed();
    // Lifecycle consequences are deferred a microtask: a write can happen deep inside a merge-box or
    // subscription operation that must not see the session torn down under it. (The socket itself
    // counts every byte against `maxBufferedBytes` and reports a slow consumer the same way.)
    if (this.socket) {
      this.socket.send(frame);
    } else if (this.phase === 'detached' && Math.max(dropped, budgetDrop) > this.detachedAt) {
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

  private sendError(reason: string, offendingMessage: unknown): void {
    const message: ErrorMessage = { msg: 'error', reason };
    if (offendingMessage !== undefined) message.offendingMessage = offendingMessage;
    this.send(message);
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

  /** action closeSocket */
  closeSocket(reason: CloseReason | undefined): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(closeCodeFor(reason), reason ?? '');
  }

  /** action sendPing */
  sendPing(): void {
    this.socket?.send(PING);
  }

  /** action emitConnection: `connected` (with a resume token), universal publications, registration, onConnection. */
  establish(): void {
    this.replay.push(null);
    const decision = this.decision;
    this.decision = undefined;
    const refusal = decision?.kind === 'new' ? decision.reason : undefined;
    const rebuilt = this.rebuilding !== undefined;
    this.rebuilding = undefined;
    const message: ConnectedMessage = { msg: 'connected', session: this.id };
    if (rebuilt) message.resumeReason = 'rebuilt';
    else if (refusal) message.resumeReason = refusal;
    if (this.host.options.resume.gracePeriodMs > 0) {
      this.token = newResumeToken();
      message.resumeToken = this.token;
    }
    this.socket?.send(encode(message));
    if (this.host.universalPublications().length > 0) this.subs.startUniversal();
    this.host.established(this, decision?.kind === 'new' ? decision.stale : undefined, rebuilt);
    this.host.link?.established(this.stored());
  }

  /** What the shared store keeps of this session. */
  private stored(): StoredSessionSource {
    return {
      id: this.id,
      userId: this.userId,
      version: this.version ?? '1',
      sentCount: this.replay.sentCount,
      tokens: [this.token, this.previousToken],
    };
  }

  /** action startBuffering */
  startBuffering(): void {
    this.socket = undefined;
    this.detachedAt = this.replay.sentCount;
  }

  /** guard resumesExisting: the decision names a session that is (now) detached. */
  canResume(): boolean {
    return this.decision?.kind === 'resume' && this.decision.session.phase === 'detached';
  }

  /** The tokens that resume this session now (current, and the previous one while it may be in use). */
  get resumeTokens(): readonly [string | undefined, string | undefined] {
    return [this.token, this.previousToken];
  }

  /** Whether every message after `receivedCount` is still held for a resume. */
  covers(receivedCount: number): boolean {
    return this.replay.covers(receivedCount);
  }

  /** action handOffSocket: this socket now belongs to the detached session being resumed. */
  handOff(request: ConnectRequest | undefined): void {
    const decision = this.decision;
    this.decision = undefined;
    const socket = this.takeSocket();
    const count = request?.receivedCount;
    if (
      decision?.kind === 'resume' &&
      socket &&
      typeof count === 'number' &&
      decision.session.phase === 'detached'
    ) {
      decision.session.resumeOn(socket, count, decision.token);
    } else socket?.close(CloseCode.internalError, 'resume failed');
  }

  /**
   * Drops a socket the client has already replaced (a half-open TCP connection the server has not
   * noticed yet): the machine detaches (`SOCKET.REPLACED`), so the new socket can resume.
   */
  dropReplacedSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    socket.setHandlers(IGNORED_SOCKET);
    socket.close(CloseCode.normal, 'replaced by a resumed connection');
    this.sendEvent({ type: 'SOCKET.REPLACED' });
  }

  /** Gives up this (pre-session) socket, for a resume. */
  takeSocket(): ServerSocket | undefined {
    const socket = this.socket;
    this.socket = undefined;
    return socket;
  }

  /**
   * Resumes this detached session on `socket`, replaying from the client's `receivedCount`. A client
   * that presented the current token has everything up to it: the previous one stops working.
   */
  resumeOn(socket: ServerSocket, receivedCount: number, presented: string | undefined): void {
    if (presented === this.token) this.previousToken = this.token;
    this.socket = socket;
    this.resumeCount = receivedCount;
    socket.setHandlers(this);
    this.sendEvent({ type: 'RESUME' });
  }

  /** action emitResume */
  emitResume(): void {
    this.host.resumed(this, Math.max(0, this.replay.sentCount - this.resumeCount));
  }

  /** Number of the last message written (Meteor 3.5's `sentCount`). */
  sentCount(): number {
    return this.replay.sentCount;
  }

  /**
   * Oldest message number a resuming client may still be missing. Each resume renumbers the replayed
   * messages one later (after the new `connected`), so numbers recorded earlier may lag by up to one
   * per resume: the bound is lowered by that much to stay safe.
   */
  firstReplayable(): number {
    return this.replay.firstHeld - this.resumes;
  }

  /** action flushBuffer: `connected` with the same id, then exactly the messages the client missed. */
  flushBuffer(): void {
    this.resumes++;
    const missed = this.replay.rewindTo(this.resumeCount);
    this.replay.push(null);
    this.token = newResumeToken();
    this.socket?.send(
      encode({ msg: 'connected', session: this.id, resumeReason: 'resumed', resumeToken: this.token }),
    );
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
    this.queue = undefined;
    this.socket = undefined;
    this.subscriptions?.deactivateAll();
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
      subscriptions: this.subscriptions?.size ?? 0,
      methodsInFlight: this.methodCalls?.inFlight ?? 0,
      bufferedBytes: (this.socket?.bufferedAmount ?? 0) + this.replay.heldBytes,
    };
  }

  /** The machine finished (any final state). */
  machineDone(): void {
    this.host.ended(this);
  }

  // ---- hosts ----------------------------------------------------------------------------------------

  method(name: string): MethodHandler | undefined {
    return this.host.method(name);
  }
  publication(name: string): PublicationHandler | undefined {
    return this.host.publication(name);
  }
  universalPublications(): readonly PublicationHandler[] {
    return this.host.universalPublications();
  }
  async setUserId(userId: string | null): Promise<void> {
    if (this.ended) throw new Error("Can't call setUserId on a closed session");
    if (userId === this.userId) return;
    this.userId = userId;
    this.host.link?.userChanged(this.id, userId);
    await this.subscriptions?.rerunAll();
  }
  reportError(error: unknown, context: string): void {
    this.host.reportError(error, context, this.connection as Connection);
  }
  claimMethod(methodId: string): Promise<MethodClaim> | undefined {
    return this.host.link?.claim(this.id, methodId);
  }
  methodAnswered(methodId: string, frames: readonly string[]): void {
    this.host.link?.answered(this.id, methodId, frames);
  }
  rateLimited(type: 'method' | 'subscription', name: string): WireError | undefined {
    const limiter = this.host.rateLimiter;
    if (limiter.ruleCount === 0) return undefined; // no rules: no clock read, no allocation
    const reply = limiter.check({
      type,
      name,
      userId: this.userId,
      connectionId: this.id,
      clientAddress: this.connection.clientAddress,
    });
    return reply.allowed ? undefined : limiter.errorFor(reply).toWire();
  }
}
