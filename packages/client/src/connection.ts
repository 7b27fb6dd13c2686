import type { DDPError } from '@ddpx/protocol';
import {
  type ClientConnectionEvent,
  type ClientStatus,
  statusEquals,
  statusFromSnapshot,
} from '@ddpx/statecharts';
import type { Actor } from 'xstate';
import { ConnectionParts } from './connectionParts.js';
import { endpointFor, transportFactory } from './endpoint.js';
import { watchEnvironment } from './environment.js';
import { attachInspector } from './inspectorLink.js';
import { createLifecycle, type LifecycleMachine } from './lifecycle.js';
import type { LocalCollection } from './localCollection.js';
import type { MethodCall } from './methodCall.js';
import type { ApplyOptions } from './methodInvoker.js';
import type { ConnectOptions } from './options.js';
import { globalReconnectHooks, type ReconnectHook, runReconnectHooks } from './reconnectHooks.js';
import type { ResumeResult } from './resume.js';
import type { MethodStub } from './simulation.js';
import type { ConnectionStats } from './stats.js';
import { isCallbacks, type SubscribeCallbacks, type SubscriptionHandle } from './subscriptionTable.js';

export type { MethodCall } from './methodCall.js';

const NO_ARGS: readonly unknown[] = Object.freeze([]);
const NO_OPTIONS: ApplyOptions = Object.freeze({});

/**
 * A DDP connection (Meteor's `Connection`): methods, subscriptions and local collections over a
 * transport whose lifecycle is the `clientConnectionMachine` statechart, run as {@link actor}.
 */
export class Connection {
  /** The running XState actor (for `@xstate/react`, inspectors and tests). */
  readonly actor: Actor<LifecycleMachine>;
  /** Called on every transport (re)open before older methods are re-sent (Meteor's deprecated property). */
  onReconnect: ReconnectHook<Connection> | undefined;

  /** The queue, subscriptions, data, resume ledger and counters this face stands for. */
  private readonly parts: ConnectionParts;
  private currentStatus: ClientStatus;
  private readonly statusListeners = new Set<(status: ClientStatus) => void>();
  private readonly resumeListeners = new Set<(result: ResumeResult) => void>();
  private readonly reloadListeners = new Set<() => void>();
  private lastResumeResult: ResumeResult | undefined;
  private readonly removeEnvironmentListeners: () => void;

  constructor(url: string, options: ConnectOptions = {}) {
    if (typeof url !== 'string' || url.length === 0)
      throw new TypeError('connect(url): url must be a non-empty string');
    this.parts = new ConnectionParts(options, {
      actor: () => this.actor,
      readyToReload: () => this.notifyReadyToReload(),
      resumed: (result) => this.dispatchResume(result),
      hasReconnectHooks: () => this.onReconnect !== undefined || globalReconnectHooks.size > 0,
      runReconnectHooks: () =>
        // Only ddp.ts adds global hooks, each one over a `Connection`.
        runReconnectHooks<Connection>(
          this,
          this.onReconnect,
          globalReconnectHooks.list() as ReconnectHook<Connection>[],
          (error) => this.parts.logger.error('onReconnect hook threw', error),
        ),
    });
    const host = this.parts.lifecycleHost(transportFactory(options));
    this.actor = createLifecycle(host, endpointFor(url, options), this.parts.now);
    this.currentStatus = statusFromSnapshot(this.actor.getSnapshot());
    this.actor.subscribe((snapshot) => {
      const next = statusFromSnapshot(snapshot);
      if (statusEquals(next, this.currentStatus)) return;
      this.currentStatus = next;
      for (const listener of this.statusListeners) {
        try {
          listener(next);
        } catch (err) {
          this.parts.logger.error('onStatus listener threw', err);
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
        this.parts.logger.error('onStatus listener threw', err);
      }
    });
    return () => this.statusListeners.delete(wrapped);
  }

  /**
   * Attaches an inspector (an observer or an inspector's `ws://` URL) to the running actor late, first
   * replaying the actor and its current snapshot; returns the function that detaches it.
   */
  inspect(observer: NonNullable<ConnectOptions['inspect']>): () => void {
    return attachInspector(this.actor, observer, { WebSocket: this.parts.options.WebSocket });
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
    return this.parts.ledger.token;
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
    if (options.url !== undefined) event.url = endpointFor(options.url, this.parts.options);
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
    this.parts.defineStubs(stubs);
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
    return this.parts.apply<T>(name, args, options);
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
    return this.parts.subscribe(name, rest, callbacks);
  }

  /** The local collection named `name` (created on first use). */
  collection(name: string): LocalCollection {
    return this.parts.data.collection(name);
  }

  /** Whether a reload now would lose no method (always true with `reloadWithOutstanding`). */
  isReadyToReload(): boolean {
    return this.parts.options.reloadWithOutstanding === true || this.parts.queue.outstanding === 0;
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
    return this.parts.counters.snapshot(this.parts.ledger.receivedCount);
  }

  /** The user id stubs see (`this.userId`); set by `setUserId` in a stub or here. */
  setUserId(userId: string | null): void {
    this.parts.setUserId(userId);
  }

  private dispatchResume(result: ResumeResult): void {
    this.lastResumeResult = result;
    for (const listener of this.resumeListeners) {
      try {
        listener(result);
      } catch (err) {
        this.parts.logger.error('onResume listener threw', err);
      }
    }
  }

  private notifyReadyToReload(): void {
    if (!this.isReadyToReload()) return;
    for (const listener of [...this.reloadListeners]) {
      try {
        listener();
      } catch (err) {
        this.parts.logger.error('onReadyToReload callback threw', err);
      }
    }
  }
}
