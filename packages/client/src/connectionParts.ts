import { ConnectionError, DDPError, encode, randomId } from '@ddpx/protocol';
import type { ClientConnectionEvent } from '@ddpx/statecharts';
import type { Actor } from 'xstate';
import { DataLayer } from './dataLayer.js';
import { handleFrame, type InboundHost } from './inbound.js';
import type { LifecycleHost, LifecycleMachine } from './lifecycle.js';
import { type MethodCall, withParts } from './methodCall.js';
import { type ApplyOptions, MethodInvoker } from './methodInvoker.js';
import { MethodQueue } from './methodQueue.js';
import { CONNECT_DEFAULTS, type ConnectOptions, consoleLogger, type Logger } from './options.js';
import { ResumeLedger, type ResumeResult } from './resume.js';
import type { MethodStub, Simulation } from './simulation.js';
import { InputCounters } from './stats.js';
import { applyWithStub, type StubCallHost } from './stubCall.js';
import { type SubscribeCallbacks, type SubscriptionHandle, SubscriptionTable } from './subscriptionTable.js';
import type { TransportFactory } from './transport.js';
import { openTransportOf } from './transportActor.js';

/** The stub promise of every call without a stub (resolves with undefined). */
const RESOLVED: Promise<unknown> = Promise.resolve(undefined);

/** A call that failed before anything was sent (its arguments could not be encoded). */
function rejectedCall<T>(err: unknown): MethodCall<T> {
  const failed = Promise.reject(err) as Promise<T>;
  return withParts<T>(failed, RESOLVED, failed);
}

/** What the parts need from the `Connection` that owns them (its chart and its listeners). */
export interface PartsOwner {
  /** The connection's running chart (read when needed: it is created after the parts). */
  actor(): Actor<LifecycleMachine>;
  /** Every method finished: tell `onReadyToReload` listeners. */
  readyToReload(): void;
  /** One handshake's resume outcome. */
  resumed(result: ResumeResult): void;
  /** Whether any reconnect hook is registered now. */
  hasReconnectHooks(): boolean;
  /** Runs the reconnect hooks. */
  runReconnectHooks(): Promise<void>;
}

/**
 * A connection's working parts: the method queue, subscriptions, data layer, resume ledger and
 * counters, wired to each other and to the chart. `Connection` is the public face over them; the
 * chart's effects (lifecycle.ts) and the inbound path (inbound.ts) reach them through narrow hosts.
 */
export class ConnectionParts {
  readonly logger: Logger;
  readonly now: () => number;
  readonly queue: MethodQueue;
  readonly data: DataLayer;
  readonly subs: SubscriptionTable;
  readonly ledger: ResumeLedger;
  readonly counters: InputCounters;
  private readonly stubs = new Map<string, MethodStub>();
  private readonly stubHost: StubCallHost;
  private readonly inbound: InboundHost;
  private readonly maxBufferedBytes: number;
  private userId: string | null = null;
  private nextMethodId = 1;

  constructor(
    readonly options: ConnectOptions,
    private readonly owner: PartsOwner,
  ) {
    const o = options;
    this.ledger = new ResumeLedger(o.resumeToken);
    this.maxBufferedBytes = o.maxBufferedBytes ?? CONNECT_DEFAULTS.maxBufferedBytes;
    const logger = o.logger ?? consoleLogger;
    this.logger = logger;
    const clock = o.clock as { now?: () => number } | undefined;
    const now = o.now ?? (clock?.now ? () => clock.now!() : Date.now);
    this.now = now;
    const intervalMs = o.badInputLogIntervalMs ?? CONNECT_DEFAULTS.badInputLogIntervalMs;
    const counters = new InputCounters({ logger, now, intervalMs });
    this.counters = counters;
    const currentSimulation: { value: Simulation | undefined } = { value: undefined };
    this.subs = new SubscriptionTable((detail) => logger.error(detail));
    this.queue = new MethodQueue({
      canSend: () => this.openTransport() !== undefined,
      write: (frame) => this.write(frame),
      blockQuiescence: (id) => this.data.blockQuiescenceOn(id),
      allFinished: () => owner.readyToReload(),
      report: (detail) => logger.error(detail),
    });
    this.data = new DataLayer({
      methodDataVisible: (id) => this.queue.get(id)?.markDataVisible(),
      methodKnown: (id) => this.queue.get(id) !== undefined,
      unknownUpdated: (id) =>
        this.finishedMethod(id)
          ? counters.count('duplicate-method-message')
          : counters.bad('unknown-method-updated', `updated for unknown method ${id}`),
      methodSent: (id) => this.queue.get(id)?.sentMessage === true,
      subscriptionReady: (id) =>
        this.subs.records.has(id)
          ? this.subs.markReady(id)
          : counters.bad('unknown-subscription', `ready for unknown subscription ${id}`),
      resetApplied: () => owner.actor().send({ type: 'QUIESCENCE.REACHED' }),
      report: (detail) => counters.bad('inconsistent-data', detail),
      currentGuard: () => currentSimulation.value,
    });
    this.stubHost = {
      currentSimulation,
      userAccess: {
        get: () => this.userId,
        set: (id) => {
          this.userId = id;
        },
      },
      data: this.data,
      logger,
      queue: this.queue,
      nextId: () => this.nextId(),
      invokerDone: this.invokerDone,
    };
    this.inbound = this.inboundHost();
  }

  /** Registers client stubs; throws on a non-function or an already registered name (and adds none). */
  defineStubs(stubs: Record<string, MethodStub>): void {
    for (const [name, stub] of Object.entries(stubs)) {
      if (typeof stub !== 'function') throw new TypeError(`Method '${name}' must be a function`);
      if (this.stubs.has(name)) throw new Error(`A method named '${name}' is already defined`);
    }
    for (const [name, stub] of Object.entries(stubs)) this.stubs.set(name, stub);
  }

  /** `setUserId` outside a stub. */
  setUserId(userId: string | null): void {
    this.userId = userId;
  }

  /** Queues a method call (running its stub first when there is one). */
  apply<T>(name: string, args: readonly unknown[], options: ApplyOptions): MethodCall<T> {
    const stub = this.stubs.size === 0 ? undefined : this.stubs.get(name);
    if (!stub && !this.stubHost.currentSimulation.value) {
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
    return applyWithStub<T>(this.stubHost, name, args, options, stub);
  }

  /** Adds a subscription and sends its `sub` when a transport is open (else at the next open). */
  subscribe(name: string, params: unknown[], callbacks: SubscribeCallbacks): SubscriptionHandle {
    const id = randomId();
    const frame = encode({ msg: 'sub', id, name, params });
    const record = {
      id,
      name,
      params,
      frame,
      ready: false,
      callbacks,
      waiters: [] as { resolve: () => void; reject: (e: Error) => void }[],
    };
    this.subs.add(record);
    this.write(frame); // dropped unless a transport is open; resent at the next open
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
        this.data.forgetSubscription(id);
        if (this.openTransport()) this.write(encode({ msg: 'unsub', id }));
        else this.subs.deferUnsub(id);
      },
    };
  }

  /** The parts the chart's effects act on (lifecycle.ts), with the transport factory to open. */
  lifecycleHost(openTransport: TransportFactory): LifecycleHost {
    return {
      options: this.options,
      logger: this.logger,
      queue: this.queue,
      subs: this.subs,
      data: this.data,
      ledger: this.ledger,
      openTransport,
      receive: (text) => this.receive(text),
      write: (frame) => this.write(frame),
      failOutstanding: () => this.failOutstanding(),
      hasReconnectHooks: () => this.owner.hasReconnectHooks(),
      runReconnectHooks: () => this.owner.runReconnectHooks(),
    };
  }

  /** The parts the inbound path reads and calls (inbound.ts). */
  private inboundHost(): InboundHost {
    const o = this.options;
    return {
      maxFrameLength: Math.min(
        o.maxPayloadBytes ?? CONNECT_DEFAULTS.maxPayloadBytes,
        o.maxMessageLength ?? Number.POSITIVE_INFINITY,
      ),
      parseOptions: { from: 'server', maxDepth: o.maxMessageDepth ?? CONNECT_DEFAULTS.maxMessageDepth },
      counters: this.counters,
      ledger: this.ledger,
      queue: this.queue,
      data: this.data,
      subs: this.subs,
      snapshot: () => this.owner.actor().getSnapshot(),
      send: (event: ClientConnectionEvent) => this.owner.actor().send(event),
      finishedMethod: (id) => this.finishedMethod(id),
      pong: (frame) => this.pong(frame),
      respondToPings: o.respondToPings ?? CONNECT_DEFAULTS.respondToPings,
      resumed: (result) => this.owner.resumed(result),
      now: this.now,
    };
  }

  /** Every invoker's callback: its promise has settled; the queue moves on. */
  private readonly invokerDone = (invoker: MethodInvoker): void => this.queue.finished(invoker);

  /** Takes the next method id ("1", "2", …). */
  private nextId(): string {
    return String(this.nextMethodId++);
  }

  /** The transport the chart's `transport` actor holds open now, if any (no copy of it lives here). */
  private openTransport() {
    return openTransportOf(this.owner.actor().getSnapshot().children.transport);
  }

  /** Writes one frame to the open transport (dropped when none is open). */
  private write(frame: string): void {
    const transport = this.openTransport();
    if (!transport) return;
    this.counters.sent();
    transport.send(frame);
  }

  /**
   * Answers a server ping, unless more than `maxBufferedBytes` already wait to be sent: then the server
   * is not reading, and the pong is dropped (counted) rather than held. The app's own frames are never
   * dropped; a server that does not read them is found by the client's heartbeat.
   */
  private pong(frame: string): void {
    const buffered = this.openTransport()?.bufferedAmount ?? 0;
    if (buffered > this.maxBufferedBytes) {
      this.counters.bad(
        'unanswered-ping',
        `ping not answered: ${buffered} bytes already wait to be sent (maxBufferedBytes ${this.maxBufferedBytes}); the server is not reading`,
      );
      return;
    }
    this.write(frame);
  }

  /** A method id this connection issued whose callback already ran (a replayed duplicate). */
  private finishedMethod(id: string): boolean {
    return /^[1-9]\d*$/.test(id) && Number(id) < this.nextMethodId && this.queue.get(id) === undefined;
  }

  /** One inbound frame. */
  private receive(text: string): void {
    try {
      handleFrame(this.inbound, text);
    } catch (err) {
      this.logger.error('error while handling a message', err);
    }
  }

  /** `close()`: fail every call, end every subscription. */
  private failOutstanding(): void {
    const error = new ConnectionError('DDP_CONNECTION_CLOSED', 'The connection was closed');
    this.queue.failAll(error);
    for (const id of [...this.subs.records.keys()]) this.subs.end(id, undefined, error);
  }
}
