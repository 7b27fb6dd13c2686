import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  CLIENT_CONNECTION_EFFECTS,
  clientConnectionMachine,
  SERVER_SESSION_EFFECTS,
  serverSessionMachine,
  statusFromSnapshot,
} from '../src/index.js';

describe('smoke', () => {
  it('the bare client machine runs and derives Meteor status objects', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(clientConnectionMachine, {
      clock,
      input: { url: 'ws://x/websocket', now: () => clock.now() },
    });
    actor.start();
    expect(statusFromSnapshot(actor.getSnapshot())).toEqual({
      status: 'connecting',
      connected: false,
      retryCount: 0,
    });
    actor.send({ type: 'TRANSPORT.OPEN' });
    expect(statusFromSnapshot(actor.getSnapshot())).toEqual({
      status: 'connected',
      connected: true,
      retryCount: 0,
    });
    actor.send({ type: 'DDP.CONNECTED', session: 's1' });
    actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(statusFromSnapshot(actor.getSnapshot())).toEqual({
      status: 'waiting',
      connected: false,
      retryCount: 0,
      retryTime: 10,
    });
    clock.increment(10);
    expect(statusFromSnapshot(actor.getSnapshot())).toEqual({
      status: 'connecting',
      connected: false,
      retryCount: 1,
    });
    actor.send({ type: 'DISCONNECT' });
    expect(statusFromSnapshot(actor.getSnapshot())).toEqual({
      status: 'offline',
      connected: false,
      retryCount: 0,
    });
  });

  it('every declared effect exists in the machines', () => {
    for (const [kind, names] of Object.entries(CLIENT_CONNECTION_EFFECTS)) {
      const impl =
        (clientConnectionMachine.implementations as unknown as Record<string, Record<string, unknown>>)[
          kind
        ] ?? {};
      for (const n of names) expect(impl[n], `${kind}.${n}`).toBeDefined();
    }
    for (const [kind, names] of Object.entries(SERVER_SESSION_EFFECTS)) {
      const impl =
        (serverSessionMachine.implementations as unknown as Record<string, Record<string, unknown>>)[kind] ??
        {};
      for (const n of names) expect(impl[n], `${kind}.${n}`).toBeDefined();
    }
  });

  it('the bare server machine runs to a closed reason', () => {
    const clock = new SimulatedClock();
    const actor = createActor(serverSessionMachine, { clock, input: { gracePeriodMs: 1000 } });
    actor.start();
    actor.send({ type: 'DDP.CONNECT', version: '1', support: ['1', 'pre2', 'pre1'] });
    expect(actor.getSnapshot().value).toEqual({ established: 'idle' });
    actor.send({ type: 'SOCKET.CLOSED' });
    expect(actor.getSnapshot().value).toBe('detached');
    clock.increment(1000);
    expect(actor.getSnapshot().status).toBe('done');
    expect(actor.getSnapshot().output).toEqual({ closeReason: 'grace-expired' });
  });
});
