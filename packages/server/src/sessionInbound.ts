import { type ErrorMessage, encode, parse, type Rejection, type ServerMessage } from '@ddpx/protocol';
import type { AbortReason, ServerSessionEvent } from '@ddpx/statecharts';
import { connectRequest } from './handshake.js';
import { InboundQueue, type InboundQueueHost, type QueueItem } from './inboundQueue.js';
import type { MethodCalls } from './methodCall.js';
import type { ResolvedOptions } from './options.js';
import type { FrameSink, ResumeRequest } from './resumption.js';
import type { Subscriptions } from './subscriptions.js';

/** What {@link SessionInbound} needs of its session. */
export interface SessionInboundHost {
  readonly options: ResolvedOptions;
  /** True once the session ended. */
  readonly ended: boolean;
  /** The session's methods (never one id twice) and subscriptions, created on first use. */
  readonly methods: Pick<MethodCalls, 'admit' | 'run'>;
  readonly subscriptions: Pick<Subscriptions, 'start' | 'stopSubscription'>;
  /** The session chart's top-level state. */
  readonly phase: string;
  /** The negotiated DDP version, once established. */
  readonly version: string | undefined;
  /** Tells the heartbeat that the client was heard from. */
  noteActivity(): void;
  /** A `connect` arrived before the handshake: resumption decides, then the chart hears it. */
  connect(request: ResumeRequest): void;
  /** Writes an encoded frame straight to the socket (a `pong`: outside the count and the queue). */
  sendRaw(frame: string): void;
  sendEvent(event: ServerSessionEvent): void;
  send(message: ServerMessage): void;
  abort(reason: AbortReason): void;
  reportError(error: unknown, context: string): void;
}

const PONG = '{"msg":"pong"}';

/**
 * The inbound path of one session: parse, the handshake's routing (`connect` before anything else,
 * once), heartbeat replies, then Meteor's in-order queue. While an asynchronous resume decision is
 * pending, frames are held, then delivered to whichever session holds the socket.
 */
export class SessionInbound implements InboundQueueHost {
  private queue: InboundQueue | undefined;
  private held: string[] | undefined;

  constructor(private readonly host: SessionInboundHost) {}

  /** One inbound frame. */
  receive(text: string): void {
    const host = this.host;
    if (host.ended) return;
    if (this.held) {
      if (this.held.length >= host.options.maxQueuedMessages) host.abort('queue-overflow');
      else this.held.push(text);
      return;
    }
    host.noteActivity();
    const o = host.options;
    const res = parse(text, { from: 'client', maxDepth: o.maxDepth, serverVersions: o.supportedDDPVersions });
    if (!res.ok) {
      this.rejected(res);
      return;
    }
    const m = res.message;
    if (m.msg === 'connect') {
      if (host.phase === 'awaitingConnect') host.connect(connectRequest(m));
      else this.sendError('Already connected', m);
      return;
    }
    if (host.phase === 'awaitingConnect') {
      this.sendError('Must connect first', m);
      return;
    }
    const pre1 = host.version === 'pre1';
    if (m.msg === 'ping' && !pre1) {
      host.sendRaw(m.id === undefined ? PONG : encode({ msg: 'pong', id: m.id }));
      return;
    }
    if (m.msg === 'pong' && !pre1) return;
    if (m.msg === 'disconnect') {
      host.sendEvent({ type: 'DISCONNECT' });
      return;
    }
    if (m.msg === 'method' && !host.methods.admit(m)) return; // already here once: never run twice
    if (m.msg === 'ping' || m.msg === 'pong')
      this.enqueue({ msg: 'error', reason: 'Bad request', offendingMessage: m });
    else this.enqueue(m);
  }

  /** True once the session ended: what is still queued is dropped. */
  get ended(): boolean {
    return this.host.ended;
  }

  /** Handles one queued message, in order. */
  process(item: QueueItem): void | Promise<void> {
    const host = this.host;
    switch (item.msg) {
      case 'method':
        return host.methods.run(item);
      case 'sub':
        return host.subscriptions.start(item);
      case 'unsub':
        host.subscriptions.stopSubscription(item.id);
        return;
      case 'error':
        host.send(item);
        return;
      default:
        this.sendError('Bad request', item);
    }
  }

  /** The in-order queue is full: the session ends. */
  overflow(): void {
    this.host.abort('queue-overflow');
  }

  /** Reports an error thrown while processing a message. */
  reportError(error: unknown, context: string): void {
    this.host.reportError(error, context);
  }

  /** Holds inbound frames back (an asynchronous resume decision is pending). */
  hold(): void {
    this.held ??= [];
  }

  /** Delivers the frames held back to `owner`, which holds the socket now. */
  release(owner: FrameSink): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const text of held) owner.socketMessage(text);
  }

  /** Drops everything waiting (the session ended). */
  clear(): void {
    this.queue?.clear();
    this.queue = undefined;
    this.held = undefined;
  }

  /** Sends a DDP `error` for `offendingMessage`. */
  sendError(reason: string, offendingMessage: unknown): void {
    const message: ErrorMessage = { msg: 'error', reason };
    if (offendingMessage !== undefined) message.offendingMessage = offendingMessage;
    this.host.send(message);
  }

  private rejected(res: Rejection): void {
    const host = this.host;
    const offending = res.offendingMessage as { msg?: unknown } | undefined;
    if (res.kind === 'bad-connect') {
      if (host.phase === 'awaitingConnect')
        host.connect(connectRequest(offending as Record<string, unknown>));
      else this.sendError('Already connected', offending);
      return;
    }
    if (res.kind === 'unknown-msg' || res.kind === 'bad-field') {
      if (host.phase === 'awaitingConnect') this.sendError('Must connect first', offending);
      else this.enqueue(res.reply as ErrorMessage);
      return;
    }
    host.send(res.reply);
  }

  private enqueue(item: QueueItem): void {
    this.queue ??= new InboundQueue(this, this.host.options.maxQueuedMessages);
    this.queue.push(item);
  }
}
