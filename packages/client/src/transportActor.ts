import { parseRetryHint } from '@ddpx/protocol';
import type { TransportActorInput } from '@ddpx/statecharts';
import { type EventObject, fromCallback } from 'xstate';
import type { Transport, TransportFactory } from './transport.js';

/** What the transport actor needs from its connection: how to open a transport, where frames go. */
export interface TransportHost {
  /** Creates the transport for one attempt (the connection's factory). */
  readonly openTransport: TransportFactory;
  /** One inbound frame. */
  receive(text: string): void;
}

/** The transport of one running actor, and whether it opened (and did not close since). */
interface Link {
  readonly transport: Transport;
  open: boolean;
}

// Keyed by the actor itself, the way `fromCallback` keeps its own instance state: a link lives exactly
// as long as its actor, which lives exactly as long as the chart stays in `linked`.
const links = new WeakMap<object, Link>();

/**
 * The chart's `transport` actor logic: opens a transport on start, reports its `open`, `close` (with
 * the server's retry hint, when its close reason carries one) and `error` to the chart, hands its
 * frames to the host, and closes it (1000) when the chart stops it.
 * `hostFor` finds the connection from the actor system running the chart.
 */
export function transportActor(hostFor: (system: unknown) => TransportHost | undefined) {
  return fromCallback<EventObject, TransportActorInput>(({ input, self, system, sendBack }) => {
    const host = hostFor(system);
    if (!host) return;
    let transport: Transport;
    try {
      transport = host.openTransport(input.url);
    } catch (error) {
      queueMicrotask(() => sendBack({ type: 'TRANSPORT.ERROR', error }));
      return;
    }
    const link: Link = { transport, open: false };
    links.set(self, link);
    const offs = [
      transport.on('open', () => {
        link.open = true;
        sendBack({ type: 'TRANSPORT.OPEN' });
      }),
      transport.on('message', (text) => host.receive(text)),
      transport.on('close', (e) => {
        link.open = false;
        const retryInMs = parseRetryHint(e.reason);
        sendBack({
          type: 'TRANSPORT.CLOSED',
          code: e.code,
          reason: e.reason,
          ...(retryInMs !== undefined && { retryInMs }),
        });
      }),
      transport.on('error', (error) => sendBack({ type: 'TRANSPORT.ERROR', error })),
    ];
    try {
      transport.open();
    } catch (error) {
      queueMicrotask(() => sendBack({ type: 'TRANSPORT.ERROR', error }));
    }
    return () => {
      for (const off of offs) off();
      links.delete(self);
      link.open = false;
      transport.close(1000, 'closed by client');
    };
  });
}

/** The open transport of a running transport actor (from `snapshot.children.transport`), if any. */
export function openTransportOf(actor: object | undefined): Transport | undefined {
  const link = actor === undefined ? undefined : links.get(actor);
  return link?.open ? link.transport : undefined;
}
