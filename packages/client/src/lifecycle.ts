import { type ConnectMessage, encode } from '@ddpx/protocol';
import {
  type CLIENT_CONNECTION_EFFECTS,
  type ClientConnectionActionName,
  type ClientConnectionContext,
  type ClientConnectionInput,
  clientConnectionMachine,
  createClientConnectionContext,
} from '@ddpx/statecharts';
import { type Actor, type AnyActorLogic, createActor, fromPromise } from 'xstate';
import type { DataLayer } from './dataLayer.js';
import { inspectObserver } from './inspectorLink.js';
import type { MethodQueue } from './methodQueue.js';
import type { ConnectOptions, Logger } from './options.js';
import type { ResumeLedger } from './resume.js';
import type { SubscriptionTable } from './subscriptionTable.js';
import { type TransportHost, transportActor } from './transportActor.js';

const PING = encode({ msg: 'ping' });
const GOODBYE = encode({ msg: 'disconnect' });

/**
 * What the chart's effects act on: the parts of one connection, each through its own narrow methods.
 * The connection builds this object; nothing here writes a connection's fields.
 */
export interface LifecycleHost extends TransportHost {
  readonly options: ConnectOptions;
  readonly logger: Logger;
  readonly queue: MethodQueue;
  readonly subs: SubscriptionTable;
  readonly data: DataLayer;
  readonly ledger: ResumeLedger;
  /** Writes one frame to the open transport (dropped when none is open). */
  write(frame: string): void;
  /** `close()`: fail every call, end every subscription. */
  failOutstanding(): void;
  /** Whether any reconnect hook (the connection's or a global one) is registered now. */
  hasReconnectHooks(): boolean;
  /** Runs the reconnect hooks; resolves when every one settled. */
  runReconnectHooks(): Promise<void>;
}

// The machine is provided once; each effect finds its host through the actor system running it
// (every root actor has its own system), so a connection costs one actor, not one copy of the machine.
const hosts = new WeakMap<object, LifecycleHost>();

type EffectArgs = { context: ClientConnectionContext; system: object };

/** An effect run for the host whose actor system runs it (none once that is gone). */
function bind(fn: (host: LifecycleHost, context: ClientConnectionContext) => void) {
  return (args: EffectArgs) => {
    const host = hosts.get(args.system);
    if (host) fn(host, args.context);
  };
}

type EffectFn = (args: EffectArgs & { event: unknown }) => void;
type ActorName = (typeof CLIENT_CONNECTION_EFFECTS.actors)[number];

// Every effect the chart names is bound here, and nothing else: `satisfies` fails the build on a
// missing or a stray name (the names come from the chart's CLIENT_CONNECTION_EFFECTS).
const actions = {
  sendConnect: bind((host, context) => {
    const support = [...context.config.supportedVersions];
    const message: ConnectMessage = {
      msg: 'connect',
      version: context.versionSuggestion ?? support[0]!,
      support,
      // The chart decided what to offer (`offeredSession`: none with `resume: false`).
      ...host.ledger.offer(context.offeredSession),
    };
    host.write(encode(message));
  }),
  beginReconnectHooks: bind((host, context) =>
    host.queue.beginReconnect(context.offeredSession !== undefined),
  ),
  replayMethods: bind((host) => host.queue.replay()),
  resendSubscriptions: bind((host) => {
    for (const record of host.subs.records.values()) host.write(record.frame);
    for (const id of host.subs.takeDeferredUnsubs()) host.write(encode({ msg: 'unsub', id }));
  }),
  sessionStarted: bind((host) => {
    host.ledger.restart();
    host.queue.settleHeld(false);
    host.data.beginFirstSession();
  }),
  beginQuiescence: bind((host) => {
    host.ledger.restart();
    host.queue.settleHeld(false);
    const readySubs = [...host.subs.records.values()].filter((r) => r.ready).map((r) => r.id);
    const methods = [...host.queue.all()].map((m) => ({
      id: m.id,
      gotResult: m.outcome !== undefined,
      sent: m.sentMessage,
    }));
    host.data.beginQuiescence(readySubs, methods, (id) => host.queue.get(id)?.markDataVisible());
  }),
  sessionResumed: bind((host) => host.queue.settleHeld(true)),
  sendPing: bind((host) => host.write(PING)),
  sendGoodbye: bind((host) => host.write(GOODBYE)),
  notifyNegotiationFailure: bind((host, context) => {
    const o = host.options;
    const callback = o.onDDPVersionNegotiationFailure ?? o.onDDPNegotiationVersionFailure;
    const description = context.reason ?? 'DDP version negotiation failed';
    queueMicrotask(() => {
      if (callback) callback(description);
      else host.logger.warn(description);
    });
  }),
  failOutstanding: bind((host) => host.failOutstanding()),
  reportHookError: ({ event, system }) =>
    hosts.get(system)?.logger.error('onReconnect hook failed', (event as { error?: unknown }).error),
} satisfies Record<ClientConnectionActionName, EffectFn>;

const actors = {
  transport: transportActor((system) => hosts.get(system as object)),
  reconnectHooks: fromPromise<void, { retryCount: number }>(async ({ system }) => {
    await hosts.get(system)?.runReconnectHooks();
  }),
} satisfies Record<ActorName, AnyActorLogic>;

const boundMachine = clientConnectionMachine.provide({ actions, actors });

/** The client connection machine with the client's effects bound. */
export type LifecycleMachine = typeof boundMachine;

/** The chart's input from the connect options: what is not given takes the chart's defaults. */
function inputFrom(url: string, o: ConnectOptions, host: LifecycleHost, now: () => number) {
  const input: ClientConnectionInput = {
    url,
    retry: o.retry,
    autoConnect: o.autoConnect,
    resume: o.resume,
    connectTimeoutMs: o.connectTimeoutMs,
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout,
    supportedVersions: o.supportedDDPVersions,
    backoff: o.backoff,
    maxRetryHintMs: o.maxRetryHintMs,
    session: o.resumeSession || undefined,
    now,
    random: o.random ?? Math.random,
    hasReconnectHooks: () => host.hasReconnectHooks(),
  };
  return input;
}

/**
 * Creates a connection's actor (not started) from the machine bound once at module level; the
 * actor's system maps back to `host`. Every lifecycle timer (connect timeout, backoff, heartbeat) and
 * the transport itself are the machine's.
 */
export function createLifecycle(
  host: LifecycleHost,
  url: string,
  now: () => number,
): Actor<LifecycleMachine> {
  const o = host.options;
  const input = inputFrom(url, o, host, now);
  createClientConnectionContext(input); // misuse (a bad timeout, no versions) throws here, synchronously
  const actor = createActor(boundMachine, {
    input,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.inspect ? { inspect: inspectObserver(o.inspect, { WebSocket: o.WebSocket }).observer } : {}),
  });
  hosts.set(actor.system, host);
  return actor;
}
