import { ConnectionError, DDPError, encode, randomId } from '@ddpx/protocol';
import {
  type ClientConnectionEvent,
  type ClientStatus,
  statusEquals,
  statusFromSnapshot,
} from '@ddpx/statecharts';
import type { Actor } from 'xstate';
import { DataLayer } from './dataLayer.js';
import { endpointFor, transportFactory } from './endpoint.js';
import { watchEnvironment } from './environment.js';
import { handleFrame } from './inbound.js';
import { attachInspector } from './inspectorLink.js';
import { createLifecycle, type LifecycleMachine } from './lifecycle.js';
import type { LocalCollection } from './localCollection.js';
import { type MethodCall, withParts } from './methodCall.js';
import { type ApplyOptions, MethodInvoker } from './methodInvoker.js';
import { MethodQueue } from './methodQueue.js';
import { CONNECT_DEFAULTS, type ConnectOptions, consoleLogger, type Logger } from './options.js';
import type { ReconnectHook } from './reconnectHooks.js';
import type { ResumeResult } from './resume.js';
import type { MethodStub, Simulation } from './simulation.js';
import type { BadInputKind, ConnectionStats } from './stats.js';
import { applyWithStub } from './stubCall.js';
import {
  isCallbacks,
  type SubscribeCallbacks,
  type SubscriptionHandle,
  SubscriptionTable,
} from './subscriptionTable.js';

export type { MethodCall } from './methodCall.js';

import type { Transport } from './transport.js';

const NO_ARGS: readonly unknown[] = Object.freeze([]);
const NO_OPTIONS: ApplyOptions = Object.freeze({});
/** The stub promise of every call without a stub (resolves with undefined). */
const RESOLVED: Promise<unknown> = Promise.resolve(undefined);

/** A call that failed before anything was sent (its arguments could not be encoded). */
function rejectedCall<T>(err: unknown): MethodCall<T> {
  const failed = Promise.reject(err) as Promise<T>;
  return withParts<T>(failed, RESOLVED, failed);
}

/**
 * A DDP connection (Meteor's `Connection`): methods, subscriptions and local collections over a
 * transport whose lifecycle is the `clientConnectionMachine` statechart, run as {@link actor}.
 */
export class Connection {
  /** The running XState actor (for `@xstate/react`, inspectors and tests). */
  readonly actor: Actor<LifecycleMachine>;
  /** Called on every transport (re)open before older methods are re-sent (Meteor's deprecated property). */
  onReconnect: ReconnectHook<Connection> | undefined;

  /** @internal */ readonly options: ConnectOptions;
  /** @internal */ readonly logger: Logger;
  /** @internal */ readonly queue: MethodQueue;
  /** @internal */ readonly data: DataLayer;
  /** @internal */ readonly subs: SubscriptionTable;
  /** @internal */ transport: Transport | undefined;
  /** @internal the transport frames may be written to (opened, not yet closed) */ writable:
    | Transport
    | undefined;
  /** @internal */ detach: (() => void) | undefined;
  /** @internal */ receivedCount = 0;
  /** @internal the receivedCount sent in the last `connect` */ receivedCountOffered: number | undefined;
  /** @internal the secret the server issued with the current session (ddpx servers only) */ token:
    | string
    | undefined;
  /** @internal */ framesSent = 0;
  /** @internal */ framesReceived = 0;
  /** @internal */ readonly badInput: Partial<Record<BadInputKind, number>> = {};
  private readonly badInputLoggedAt = new Map<BadInputKind, number>();
  private readonly maxBufferedBytes: number;
  /** @internal */ pendingUnsubs: string[] = [];
  /** @internal */ readonly now: () => number;
  /** @internal the options every inbound frame is parsed with */ readonly parseOptions: {
    readonly from: 'server';
    readonly maxDepth: number;
  };

  private readonly stubs = new Map<string, MethodStub>();
  /** @internal the stub running now */ readonly currentSimulation: { value: Simulation | undefined } = {
    value: undefined,
  };
  private userId: string | null = null;
  private nextMethodId = 1;
  private currentStatus: ClientStatus;
  private readonly statusListeners = new Set<(status: ClientStatus) => void>();
  private readonly resumeListeners = new Set<(result: ResumeResult) => void>();
  private readonly reloadListeners = new Set<() => void>();
  private lastResumeResult: ResumeResult | undefined;
  private readonly removeEnvironmentListeners: () => void;

  constructor(url: string, options: ConnectOptions = {}) {
    if (typeof url !== 'string' || url.length === 0)
      throw new TypeError('connect(url): url must be a non-empty string');
    this.options = options;
    this.token = options.resumeToken;
    this.maxBufferedBytes = options.maxBufferedBytes ?? CONNECT_DEFAULTS.maxBufferedBytes;
    this.logger = options.logger ?? consoleLogger;
    this.parseOptions = {
      from: 'server',
      maxDepth: options.maxMessageDepth ?? CONNECT_DEFAULTS.maxMessageDepth,
    };
    const clock = options.clock as { now?: () => number } | undefined;
    this.now = options.now ?? (clock?.now ? () => clock.now!() : Date.now);
    const report = (detail: string) => this.bad('inconsistent-data', detail);
    this.subs = new SubscriptionTable((detail) => this.logger.error(detail));
    this.queue = new MethodQueue({
      canSend: () => this.writable !== undefined,
      write: (frame) => this.write(frame),
      blockQuiescence: (id) => this.data.methodBlockers.add(id),
      allFinished: () => this.notifyReadyToReload(),
      report: (detail) => this.logger.error(detail),
    });
    this.data = new DataLayer({
      methodDataVisible: (id) => this.queue.get(id)?.markDataVisible(),
      methodKnown: (id) => this.queue.get(id) !== undefined,
      unknownUpdated: (id) =>
        this.finishedMethod(id)
          ? this.count('duplicate-method-message')
          : this.bad('unknown-method-updated', `updated for unknown method ${id}`),
      methodSent: (id) => this.queue.get(id)?.sentMessage === true,
      subscriptionReady: (id) =>
        this.subs.records.has(id)
          ? this.subs.markReady(id)
          : this.bad('unknown-subscription', `ready for unknown subscription ${id}`),
      resetApplied: () => this.actor.send({ type: 'QUIESCENCE.REACHED' }),
      report,
      currentGuard: () => this.currentSimulation.value,
    });
    this.actor = createLifecycle(this, endpointFor(url, options), transportFactory(options));
    this.currentStatus = statusFromSnapshot(this.actor.getSnapshot());
    this.actor.subscribe((snapshot) => {
      const next = statusFromSnapshot(snapshot);
      if (statusEquals(next, this.currentStatus)) return;
      this.currentStatus = next;
      for (const listener of this.statusListeners) {
        try {
          listener(next);
        } catch (err) {
          this.logger.error('onStatus listener threw', err);
        }
      }
    });
    this.removeEnvironmentListeners = watchEnvironment((event) => this.actor.send(event));
    this.actor.start();
  }

  /** Meteor's status object: a new frozen object per change. */
  status(): ClientStatus {
    return this.currentStatus;
  }

  /**
   * Listens to the status: the current one first (in a microtask, never synchronously, unless a change
   * reaches the listener sooner), then every change; returns the unsubscribe function.
   */
  onStatus(listener: (status: ClientStatus) => void): () => void {
    let heard = false;
    const wrapped = (status: ClientStatus) => {
      heard = true;
      listener(status);
    };
    this.statusListeners.add(wrapped);
    queueMicrotask(() => {
      if (heard || !this.statusListeners.has(wrapped)) return;
      try {
        wrapped(this.currentStatus);
      } catch (err) {
        this.logger.error('onStatus listener threw', err);
      }
    });
    return () => this.statusListeners.delete(wrapped);
  }

  /**
   * Attaches an inspector (an observer or an inspector's `ws://` URL) to the running actor late, first
   * replaying the actor and its current snapshot; returns the function that detaches it.
   */
  inspect(observer: NonNullable<ConnectOptions['inspect']>): () => void {
    return attachInspector(this.actor, observer, { WebSocket: this.options.WebSocket });
  }

  /** The current session id (undefined before the first `connected`). */
  get sessionId(): string | undefined {
    return this.actor.getSnapshot().context.session;
  }

  /**
   * The secret resume token of the current session (ddpx servers issue one; Meteor's do not). Keep it
   * as private as a password: with the session id it resumes the session. Pass both back as
   * `resumeSession` / `resumeToken` to resume across a page load.
   */
  get resumeToken(): string | undefined {
    return this.token;
  }

  /** The outcome of the last handshake (resumed, new or first session, and why). */
  get lastResume(): ResumeResult | undefined {
    return this.lastResumeResult;
  }

  /** Listens to every handshake's resume outcome; returns the unsubscribe function. */
  onResume(listener: (result: ResumeResult) => void): () => void {
    this.resumeListeners.add(listener);
    return () => this.resumeListeners.delete(listener);
  }

  /** Reconnects now (skipping a pending wait); with `url`, moves to that server. No-op while connected. */
  reconnect(options: { url?: string } = {}): void {
    const event: ClientConnectionEvent = { type: 'RECONNECT' };
    if (options.url !== undefined) event.url = endpointFor(options.url, this.options);
    this.actor.send(event);
  }

  /** Goes `offline`: stops live updates; methods and subscriptions are kept, new calls queue. */
  disconnect(): void {
    this.actor.send({ type: 'DISCONNECT' });
  }

  /** Closes for good (`failed`, permanent): outstanding calls fail, subscriptions end. */
  close(): void {
    this.actor.send({ type: 'CLOSE' });
    this.removeEnvironmentListeners();
  }

  /** Registers client stubs (simulations). Throws on a non-function or an already registered name. */
  methods(stubs: Record<string, MethodStub>): void {
    for (const [name, stub] of Object.entries(stubs)) {
      if (typeof stub !== 'function') throw new TypeError(`Method '${name}' must be a function`);
      if (this.stubs.has(name)) throw new Error(`A method named '${name}' is already defined`);
    }
    for (const [name, stub] of Object.entries(stubs)) this.stubs.set(name, stub);
  }

  /** Calls a method; resolves with its result. A trailing function argument is used as a callback. */
  call<T = unknown>(name: string, ...args: unknown[]): MethodCall<T> {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (error: Error | undefined, result?: unknown) => void;
      const call = this.apply<T>(name, args.slice(0, -1));
      call.then(
        (result) => callback(undefined, result),
        (error: Error) => callback(error),
      );
      return call;
    }
    return this.apply<T>(name, args);
  }

  /** Calls a method with options (wait, noRetry, onResultReceived, throwStubExceptions, returnStubValue). */
  apply<T = unknown>(
    name: string,
    args: readonly unknown[] = NO_ARGS,
    options: ApplyOptions = NO_OPTIONS,
  ): MethodCall<T> {
    if (typeof name !== 'string') throw new TypeError('method name must be a string');
    if (!Array.isArray(args)) throw new TypeError('apply(name, args): args must be an array');
    const stub = this.stubs.size === 0 ? undefined : this.stubs.get(name);
    if (!stub && !this.currentSimulation.value) {
      // The hot path: no stub to run, so no argument copy, simulation or stub promise.
      const id = this.nextId();
      let frame: string;
      try {
        frame = encode({ msg: 'method', method: name, params: args as unknown[], id });
      } catch (err) {
        return rejectedCall<T>(err);
      }
      const invoker = new MethodInvoker(id, options, frame, this.invokerDone);
      this.queue.add(invoker);
      const server = invoker.promise as Promise<T>;
      return withParts<T>(server, RESOLVED, server);
    }
    return applyWithStub<T>(this, name, args, options, stub);
  }

  /** @internal every invoker's callback: its promise has settled; the queue moves on. */
  readonly invokerDone = (invoker: MethodInvoker): void => this.queue.finished(invoker);

  /** @internal Takes the next method id ("1", "2", …). */
  nextId(): string {
    return String(this.nextMethodId++);
  }

  /** Subscribes: `subscribe(name, ...args, { onReady, onStop }?)` (a trailing function is `onReady`). */
  subscribe(name: string, ...rest: unknown[]): SubscriptionHandle {
    if (typeof name !== 'string') throw new TypeError('subscription name must be a string');
    let callbacks: SubscribeCallbacks = {};
    const last = rest[rest.length - 1];
    if (typeof last === 'function') {
      callbacks = { onReady: last as () => void };
      rest = rest.slice(0, -1);
    } else if (isCallbacks(last)) {
      const l = last as SubscribeCallbacks & { onError?: (e: DDPError) => void };
      callbacks = {
        onReady: l.onReady,
        onStop: l.onStop ?? (l.onError ? (e) => e && l.onError!(e) : undefined),
      };
      rest = rest.slice(0, -1);
    }
    const id = randomId();
    const frame = encode({ msg: 'sub', id, name, params: rest });
    const record = {
      id,
      name,
      params: rest,
      frame,
      ready: false,
      callbacks,
      waiters: [] as { resolve: () => void; reject: (e: Error) => void }[],
    };
    this.subs.add(record);
    if (this.writable) this.write(frame);
    return {
      id,
      ready: () => record.ready,
      whenReady: () =>
        record.ready
          ? Promise.resolve()
          : this.subs.records.get(id) !== record
            ? Promise.reject(new DDPError('subscription-stopped', `Subscription '${name}' is stopped`))
            : new Promise<void>((resolve, reject) => record.waiters.push({ resolve, reject })),
      stop: () => {
        if (!this.subs.end(id)) return;
        this.data.subsBeingRevived.delete(id);
        if (this.writable) this.write(encode({ msg: 'unsub', id }));
        else this.pendingUnsubs.push(id);
      },
    };
  }

  /** The local collection named `name` (created on first use). */
  collection(name: string): LocalCollection {
    return this.data.collection(name);
  }

  /** Whether a reload now would lose no method (always true with `reloadWithOutstanding`). */
  isReadyToReload(): boolean {
    return this.options.reloadWithOutstanding === true || this.queue.outstanding === 0;
  }

  /** Calls `cb` once the connection is ready to reload (at once, asynchronously, if it is now). */
  onReadyToReload(cb: () => void): () => void {
    if (this.isReadyToReload()) {
      let cancelled = false;
      queueMicrotask(() => cancelled || cb());
      return () => {
        cancelled = true;
      };
    }
    const once = () => {
      this.reloadListeners.delete(once);
      cb();
    };
    this.reloadListeners.add(once);
    return () => this.reloadListeners.delete(once);
  }

  /** Counters: frames in and out, `receivedCount`, dropped bad input by kind. */
  stats(): ConnectionStats {
    return Object.freeze({
      framesReceived: this.framesReceived,
      framesSent: this.framesSent,
      receivedCount: this.receivedCount,
      badInput: Object.freeze({ ...this.badInput }),
    });
  }

  /** The user id stubs see (`this.userId`); set by `setUserId` in a stub or here. */
  setUserId(userId: string | null): void {
    this.userId = userId;
  }

  /** @internal `this.userId` / `setUserId` as stubs see them */
  readonly userAccess = {
    get: () => this.userId,
    set: (id: string | null) => {
      this.userId = id;
    },
  };

  /** @internal Writes one frame to the open transport. */
  write(frame: string): void {
    const transport = this.writable;
    if (!transport) return;
    this.framesSent++;
    transport.send(frame);
  }

  /**
   * @internal Answers a server ping, unless more than `maxBufferedBytes` already wait to be sent: then
   * the server is not reading, and the pong is dropped (counted) rather than held. The app's own
   * frames are never dropped; a server that does not read them is found by the client's heartbeat.
   */
  pong(frame: string): void {
    const buffered = this.writable?.bufferedAmount ?? 0;
    if (buffered > this.maxBufferedBytes) {
      this.bad(
        'unanswered-ping',
        `ping not answered: ${buffered} bytes already wait to be sent (maxBufferedBytes ${this.maxBufferedBytes}); the server is not reading`,
      );
      return;
    }
    this.write(frame);
  }

  /** @internal Counts bad input and logs it at most once per kind per `badInputLogIntervalMs`; never throws. */
  bad(kind: BadInputKind, detail: string, value?: unknown): void {
    this.count(kind);
    const now = this.now();
    const last = this.badInputLoggedAt.get(kind);
    const interval = this.options.badInputLogIntervalMs ?? CONNECT_DEFAULTS.badInputLogIntervalMs;
    if (last !== undefined && now - last < interval) return;
    this.badInputLoggedAt.set(kind, now);
    const total = this.badInput[kind] ?? 1;
    const more = total > 1 ? ` (${total} of this kind so far; logged at most every ${interval} ms)` : '';
    this.logger.warn(`${kind}: ${detail}${more}`, value);
  }

  /** @internal Counts without logging (expected duplicates). */
  count(kind: BadInputKind): void {
    this.badInput[kind] = (this.badInput[kind] ?? 0) + 1;
  }

  /** @internal A method id this connection issued whose callback already ran (a replayed duplicate). */
  finishedMethod(id: string): boolean {
    return /^[1-9]\d*$/.test(id) && Number(id) < this.nextMethodId && this.queue.get(id) === undefined;
  }

  /** @internal One inbound frame. */
  receive(text: string): void {
    try {
      handleFrame(this, text);
    } catch (err) {
      this.logger.error('error while handling a message', err);
    }
  }

  /** @internal */
  dispatchResume(result: ResumeResult): void {
    this.lastResumeResult = result;
    for (const listener of this.resumeListeners) {
      try {
        listener(result);
      } catch (err) {
        this.logger.error('onResume listener threw', err);
      }
    }
  }

  /** @internal */
  notifyReadyToReload(): void {
    if (!this.isReadyToReload()) return;
    for (const listener of [...this.reloadListeners]) {
      try {
        listener();
      } catch (err) {
        this.logger.error('onReadyToReload callback threw', err);
      }
    }
  }

  /** @internal `close()`: fail every call, end every subscription. */
  failOutstanding(): void {
    const error = new ConnectionError('DDP_CONNECTION_CLOSED', 'The connection was closed');
    this.queue.failAll(error);
    for (const id of [...this.subs.records.keys()]) this.subs.end(id, undefined, error);
  }

  /** @internal */
  respondToPings(): boolean {
    return this.options.respondToPings ?? CONNECT_DEFAULTS.respondToPings;
  }
}
