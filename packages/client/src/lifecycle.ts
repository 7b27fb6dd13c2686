import { type ConnectMessage, encode } from '@ddpx/protocol';
import {
  type ClientConnectionContext,
  clientConnectionMachine,
  createClientConnectionContext,
} from '@ddpx/statecharts';
import { type Actor, createActor, fromPromise } from 'xstate';
import type { Connection } from './connection.js';
import { CONNECT_DEFAULTS } from './options.js';
import { globalReconnectHooks, runReconnectHooks } from './reconnectHooks.js';
import type { TransportFactory } from './transport.js';

/** The client connection machine with the client's effects bound. */
export type LifecycleMachine = typeof clientConnectionMachine;

const PING = encode({ msg: 'ping' });
const GOODBYE = encode({ msg: 'disconnect' });

/**
 * Binds the connection machine's named effects to a connection with `.provide()` and creates its
 * actor (not started). Every lifecycle timer (connect timeout, backoff, heartbeat) is the machine's.
 */
export function createLifecycle(
  conn: Connection,
  url: string,
  openTransportFor: TransportFactory,
): Actor<LifecycleMachine> {
  const o = conn.options;

  const machine = clientConnectionMachine.provide({
    actions: {
      openTransport: ({ context, self }) => {
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
      closeTransport: () => {
        const transport = conn.transport;
        conn.detach?.();
        conn.detach = undefined;
        conn.transport = undefined;
        conn.writable = undefined;
        transport?.close(1000, 'closed by client');
      },
      sendConnect: ({ context }) => {
        const support = [...context.supportedVersions];
        const message: ConnectMessage = {
          msg: 'connect',
          version: context.versionSuggestion ?? support[0]!,
          support,
        };
        if (resumeEnabled() && context.session !== undefined) {
          message.session = context.session;
          message.receivedCount = conn.receivedCount;
        }
        conn.receivedCountOffered = message.receivedCount;
        conn.write(encode(message));
      },
      beginReconnectHooks: ({ context }) =>
        conn.queue.beginReconnect(resumeEnabled() && context.session !== undefined),
      replayMethods: () => conn.queue.replay(),
      resendSubscriptions: () => {
        for (const record of conn.subs.records.values()) conn.write(record.frame);
        const unsubs = conn.pendingUnsubs;
        conn.pendingUnsubs = [];
        for (const id of unsubs) conn.write(encode({ msg: 'unsub', id }));
      },
      sessionStarted: () => {
        conn.receivedCount = 1;
        conn.queue.settleHeld(false);
        conn.data.beginFirstSession();
      },
      beginQuiescence: () => {
        conn.receivedCount = 1;
        conn.queue.settleHeld(false);
        const readySubs = [...conn.subs.records.values()].filter((r) => r.ready).map((r) => r.id);
        const methods = [...conn.queue.all()].map((m) => ({
          id: m.id,
          gotResult: m.outcome !== undefined,
          sent: m.sentMessage,
        }));
        conn.data.beginQuiescence(readySubs, methods, (id) => conn.queue.get(id)?.markDataVisible());
      },
      sessionResumed: () => conn.queue.settleHeld(true),
      sendPing: () => conn.write(PING),
      sendGoodbye: () => conn.write(GOODBYE),
      notifyNegotiationFailure: ({ context }) => {
        const callback = o.onDDPVersionNegotiationFailure ?? o.onDDPNegotiationVersionFailure;
        const description = context.reason ?? 'DDP version negotiation failed';
        queueMicrotask(() => {
          if (callback) callback(description);
          else conn.logger.warn(description);
        });
      },
      failOutstanding: () => conn.failOutstanding(),
      reportHookError: ({ event }) =>
        conn.logger.error('onReconnect hook failed', (event as { error?: unknown }).error),
    },
    actors: {
      reconnectHooks: fromPromise(async () => {
        await runReconnectHooks(conn, conn.onReconnect, globalReconnectHooks.list(), (error) =>
          conn.logger.error('onReconnect hook threw', error),
        );
      }),
    },
  });

  function resumeEnabled(): boolean {
    return o.resume ?? CONNECT_DEFAULTS.resume;
  }

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
  };
  createClientConnectionContext(input); // misuse (a bad timeout, no versions) throws here, synchronously
  return createActor(machine, {
    input,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.inspect ? { inspect: o.inspect } : {}),
  });
}

/** Whether the heartbeat region wants to hear about inbound traffic now (at most once per tick). */
export function wantsActivity(context: ClientConnectionContext): boolean {
  return !context.inboundSinceTick && context.heartbeatInterval > 0 && context.versionSuggestion !== 'pre1';
}
