import { type ConnectMessage, encode } from '@ddpx/protocol';
import {
  type ClientConnectionContext,
  clientConnectionMachine,
  createClientConnectionContext,
} from '@ddpx/statecharts';
import { type Actor, createActor, fromPromise } from 'xstate';
import type { Connection } from './connection.js';
import { inspectObserver } from './inspectorLink.js';
import { CONNECT_DEFAULTS } from './options.js';
import { globalReconnectHooks, runReconnectHooks } from './reconnectHooks.js';
import type { TransportFactory } from './transport.js';

const PING = encode({ msg: 'ping' });
const GOODBYE = encode({ msg: 'disconnect' });

/** What the bound machine's effects act on: the connection and how it opens transports. */
interface Binding {
  conn: Connection;
  openTransportFor: TransportFactory;
}

// The machine is provided once; each effect finds its connection through the actor system running it
// (every root actor has its own system), so a connection costs one actor, not one copy of the machine.
const bindings = new WeakMap<object, Binding>();

type EffectArgs = { context: ClientConnectionContext; system: object };

/** An effect run for the connection whose actor system runs it (none once that is gone). */
function bind(fn: (conn: Connection, context: ClientConnectionContext) => void) {
  return (args: EffectArgs) => {
    const binding = bindings.get(args.system);
    if (binding) fn(binding.conn, args.context);
  };
}

function resumeEnabled(conn: Connection): boolean {
  return conn.options.resume ?? CONNECT_DEFAULTS.resume;
}

const boundMachine = clientConnectionMachine.provide({
  actions: {
    openTransport: ({ context, self, system }) => {
      const binding = bindings.get(system);
      if (!binding) return;
      const { conn, openTransportFor } = binding;
      const send = (event: Parameters<typeof self.send>[0]) => self.send(event);
      let transport: ReturnType<TransportFactory>;
      try {
        transport = openTransportFor(context.url);
      } catch (error) {
        queueMicrotask(() => send({ type: 'TRANSPORT.ERROR', error }));
        return;
      }
      conn.transport = transport;
      const offs = [
        transport.on('open', () => {
          conn.writable = transport;
          send({ type: 'TRANSPORT.OPEN' });
        }),
        transport.on('message', (text) => conn.receive(text)),
        transport.on('close', (e) => {
          conn.writable = undefined;
          send({ type: 'TRANSPORT.CLOSED', code: e.code, reason: e.reason });
        }),
        transport.on('error', (error) => send({ type: 'TRANSPORT.ERROR', error })),
      ];
      conn.detach = () => {
        for (const off of offs) off();
      };
      try {
        transport.open();
      } catch (error) {
        queueMicrotask(() => send({ type: 'TRANSPORT.ERROR', error }));
      }
    },
    closeTransport: bind((conn) => {
      const transport = conn.transport;
      conn.detach?.();
      conn.detach = undefined;
      conn.transport = undefined;
      conn.writable = undefined;
      transport?.close(1000, 'closed by client');
    }),
    sendConnect: bind((conn, context) => {
      const support = [...context.supportedVersions];
      const message: ConnectMessage = {
        msg: 'connect',
        version: context.versionSuggestion ?? support[0]!,
        support,
      };
      if (resumeEnabled(conn) && context.session !== undefined) {
        message.session = context.session;
        message.receivedCount = conn.receivedCount;
        // A Meteor 3.5 server issues no token: then `session` + `receivedCount` alone, as 3.5 does.
        if (conn.token !== undefined) message.resumeToken = conn.token;
      }
      conn.receivedCountOffered = message.receivedCount;
      conn.write(encode(message));
    }),
    beginReconnectHooks: bind((conn, context) =>
      conn.queue.beginReconnect(resumeEnabled(conn) && context.session !== undefined),
    ),
    replayMethods: bind((conn) => conn.queue.replay()),
    resendSubscriptions: bind((conn) => {
      for (const record of conn.subs.records.values()) conn.write(record.frame);
      const unsubs = conn.pendingUnsubs;
      conn.pendingUnsubs = [];
      for (const id of unsubs) conn.write(encode({ msg: 'unsub', id }));
    }),
    sessionStarted: bind((conn) => {
      conn.receivedCount = 1;
      conn.queue.settleHeld(false);
      conn.data.beginFirstSession();
    }),
    beginQuiescence: bind((conn) => {
      conn.receivedCount = 1;
      conn.queue.settleHeld(false);
      const readySubs = [...conn.subs.records.values()].filter((r) => r.ready).map((r) => r.id);
      const methods = [...conn.queue.all()].map((m) => ({
        id: m.id,
        gotResult: m.outcome !== undefined,
        sent: m.sentMessage,
      }));
      conn.data.beginQuiescence(readySubs, methods, (id) => conn.queue.get(id)?.markDataVisible());
    }),
    sessionResumed: bind((conn) => conn.queue.settleHeld(true)),
    sendPing: bind((conn) => conn.write(PING)),
    sendGoodbye: bind((conn) => conn.write(GOODBYE)),
    notifyNegotiationFailure: bind((conn, context) => {
      const o = conn.options;
      const callback = o.onDDPVersionNegotiationFailure ?? o.onDDPNegotiationVersionFailure;
      const description = context.reason ?? 'DDP version negotiation failed';
      queueMicrotask(() => {
        if (callback) callback(description);
        else conn.logger.warn(description);
      });
    }),
    failOutstanding: bind((conn) => conn.failOutstanding()),
    reportHookError: ({ event, system }) =>
      bindings
        .get(system)
        ?.conn.logger.error('onReconnect hook failed', (event as { error?: unknown }).error),
  },
  actors: {
    reconnectHooks: fromPromise(async ({ system }) => {
      const conn = bindings.get(system)?.conn;
      if (!conn) return;
      await runReconnectHooks(conn, conn.onReconnect, globalReconnectHooks.list(), (error) =>
        conn.logger.error('onReconnect hook threw', error),
      );
    }),
  },
});

/** The client connection machine with the client's effects bound. */
export type LifecycleMachine = typeof boundMachine;

/**
 * Creates a connection's actor (not started) from the machine bound once at module level; the
 * actor's system maps back to `conn`. Every lifecycle timer (connect timeout, backoff, heartbeat) is
 * the machine's.
 */
export function createLifecycle(
  conn: Connection,
  url: string,
  openTransportFor: TransportFactory,
): Actor<LifecycleMachine> {
  const o = conn.options;
  const input = {
    url,
    retry: o.retry ?? CONNECT_DEFAULTS.retry,
    autoConnect: o.autoConnect ?? CONNECT_DEFAULTS.autoConnect,
    connectTimeoutMs: o.connectTimeoutMs ?? CONNECT_DEFAULTS.connectTimeoutMs,
    heartbeatInterval: o.heartbeatInterval ?? CONNECT_DEFAULTS.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout ?? CONNECT_DEFAULTS.heartbeatTimeout,
    ...(o.supportedDDPVersions ? { supportedVersions: o.supportedDDPVersions } : {}),
    ...(o.backoff ? { backoff: o.backoff } : {}),
    ...(o.resumeSession ? { session: o.resumeSession } : {}),
    now: conn.now,
    random: o.random ?? Math.random,
    hasReconnectHooks: () => conn.onReconnect !== undefined || globalReconnectHooks.size > 0,
  };
  createClientConnectionContext(input); // misuse (a bad timeout, no versions) throws here, synchronously
  const actor = createActor(boundMachine, {
    input,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.inspect ? { inspect: inspectObserver(o.inspect, { WebSocket: o.WebSocket }).observer } : {}),
  });
  bindings.set(actor.system, { conn, openTransportFor });
  return actor;
}

/** Whether the heartbeat region wants to hear about inbound traffic now (at most once per tick). */
export function wantsActivity(context: ClientConnectionContext): boolean {
  return !context.inboundSinceTick && context.heartbeatInterval > 0 && context.versionSuggestion !== 'pre1';
}
