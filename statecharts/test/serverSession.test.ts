import { describe, expect, it } from 'vitest';
import {
  CLOSE_REASONS,
  negotiateVersion,
  SERVER_LIFECYCLE_EFFECTS,
  SERVER_SESSION_EFFECTS,
  serverLifecycleMachine,
  serverSessionMachine,
} from '../src/index.js';
import { startSession } from './helpers.js';

const closedWith = (s: ReturnType<typeof startSession>) => {
  const snap = s.actor.getSnapshot();
  expect(snap.status).toBe('done');
  expect(snap.value).toBe('closed');
  expect(snap.output?.closeReason).toBe(snap.context.closeReason);
  return snap.context.closeReason;
};

describe('server session machine', () => {
  it('handshake timeout closes the socket without lifecycle events', () => {
    const s = startSession({ handshakeTimeoutMs: 1000 });
    s.tick(999);
    expect(s.value()).toBe('awaitingConnect');
    s.tick(1);
    expect(closedWith(s)).toBe('handshake-timeout');
    expect(s.log).toEqual(['closeSocket']);
  });

  it('negotiation: a valid connect establishes and emits connection once', () => {
    const s = startSession();
    s.connect('1');
    expect(s.value()).toEqual({ established: 'idle' });
    expect(s.context().version).toBe('1');
    expect(s.log).toEqual(['emitConnection']);
  });

  it.each([
    ['version not in its own support list', '1', ['pre2']],
    ['version is not the calculated one', 'pre2', ['1', 'pre2']],
    ['missing support', '1', undefined],
    ['non-string version', 1, ['1']],
  ])('negotiation: %s → failed then close (version-mismatch)', (_label, version, support) => {
    const s = startSession();
    s.actor.send({ type: 'DDP.CONNECT', version, support });
    expect(closedWith(s)).toBe('version-mismatch');
    expect(s.log).toEqual(['sendFailed', 'closeSocket']);
  });

  it('sendFailed reads the calculated version', () => {
    const s = startSession();
    s.connect('pre2', ['pre2', '1']);
    expect(s.value()).toEqual({ established: 'idle' });
    const t = startSession();
    t.connect('garbled', ['garbled', '1']);
    expect(t.context().calculatedVersion).toBe('1');
    expect(negotiateVersion({ version: 'foo', support: ['foo', 'bar'] }, ['1', 'pre2', 'pre1'])).toEqual({
      accepted: false,
      version: '1',
    });
  });

  it('heartbeat 15 s / 15 s: ping, then close with heartbeat-timeout', () => {
    const s = startSession();
    s.connect();
    s.take();
    s.tick(15_000);
    expect(s.log).toEqual(['sendPing']);
    s.tick(14_999);
    expect(s.value()).toEqual({ established: 'pinging' });
    s.tick(1);
    expect(closedWith(s)).toBe('heartbeat-timeout');
    expect(s.log).toEqual(['sendPing', 'closeSocket', 'emitClose']);
  });

  it('inbound traffic keeps the heartbeat quiet; none for pre1 or interval 0', () => {
    const s = startSession();
    s.connect();
    s.take();
    for (let i = 0; i < 10; i++) {
      s.tick(10_000);
      s.actor.send({ type: 'DDP.ACTIVITY' });
    }
    expect(s.log).toEqual([]);
    const p = startSession();
    p.connect('pre1', ['pre1']);
    expect(p.value()).toEqual({ established: 'off' });
    p.tick(100_000);
    expect(p.value()).toEqual({ established: 'off' });
    const z = startSession({ heartbeatInterval: 0 });
    z.connect();
    expect(z.value()).toEqual({ established: 'off' });
  });

  it('socket loss inside the grace period detaches; RESUME re-establishes without a new connection event', () => {
    const s = startSession({ gracePeriodMs: 15_000 });
    s.connect();
    s.take();
    s.actor.send({ type: 'SOCKET.CLOSED', code: 1006 });
    expect(s.value()).toBe('detached');
    expect(s.log).toEqual(['emitDetach', 'startBuffering']);
    s.tick(14_999);
    s.actor.send({ type: 'RESUME', receivedCount: 0 });
    expect(s.value()).toEqual({ established: 'idle' });
    expect(s.log).toEqual(['emitDetach', 'startBuffering', 'emitResume', 'flushBuffer']);
    s.tick(15_000);
    expect(s.log.at(-1)).toBe('sendPing'); // heartbeat restarted
  });

  it('grace expiry closes with grace-expired', () => {
    const s = startSession({ gracePeriodMs: 5_000 });
    s.connect();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    s.take();
    s.tick(5_000);
    expect(closedWith(s)).toBe('grace-expired');
    expect(s.log).toEqual(['dropBuffer', 'emitClose']);
  });

  it('buffer overflow while detached closes with buffer-overflow', () => {
    const s = startSession();
    s.connect();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    s.actor.send({ type: 'BUFFER.OVERFLOW' });
    expect(closedWith(s)).toBe('buffer-overflow');
  });

  it('a new connect that names the detached session but cannot resume it closes it with superseded', () => {
    const s = startSession();
    s.connect();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    s.take();
    s.actor.send({ type: 'SUPERSEDED' });
    expect(closedWith(s)).toBe('superseded');
    expect(s.log).toEqual(['dropBuffer', 'emitClose']);
  });

  it('SUPERSEDED is ignored while a socket is attached (only a detached session can be superseded)', () => {
    const s = startSession();
    s.connect();
    s.actor.send({ type: 'SUPERSEDED' });
    expect(s.value()).toMatchObject({ established: 'idle' });
  });

  it('SOCKET.REPLACED (a half-open socket the client replaced) detaches, then RESUME re-establishes', () => {
    const s = startSession();
    s.connect();
    s.take();
    s.actor.send({ type: 'SOCKET.REPLACED' });
    expect(s.value()).toBe('detached');
    expect(s.log).toEqual(['emitDetach', 'startBuffering']);
    s.take();
    s.actor.send({ type: 'RESUME', receivedCount: 0 });
    expect(s.value()).toMatchObject({ established: 'idle' });
    expect(s.log).toEqual(['emitResume', 'flushBuffer']);
  });

  it('gracePeriodMs 0: socket loss closes with socket-closed', () => {
    const s = startSession({ gracePeriodMs: 0 });
    s.connect();
    s.take();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    expect(closedWith(s)).toBe('socket-closed');
    expect(s.log).toEqual(['emitClose']);
  });

  it('goodbye then socket close → client-disconnect, never detached', () => {
    const s = startSession();
    s.connect();
    s.actor.send({ type: 'DISCONNECT' });
    expect(s.value()).toBe('departing');
    s.take();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    expect(closedWith(s)).toBe('client-disconnect');
    expect(s.log).toEqual(['emitClose']);
  });

  it('a goodbye whose socket never closes is closed by the server after heartbeatTimeout', () => {
    const s = startSession();
    s.connect();
    s.actor.send({ type: 'DISCONNECT' });
    s.tick(15_000);
    expect(closedWith(s)).toBe('client-disconnect');
  });

  it.each([
    ['CLOSE', 'connection-close'],
    ['SERVER.CLOSE', 'server-close'],
  ] as const)('%s closes with %s from every live state', (type, reason) => {
    for (const prepare of [
      (_s: ReturnType<typeof startSession>) => {},
      (s: ReturnType<typeof startSession>) => s.connect(),
      (s: ReturnType<typeof startSession>) => {
        s.connect();
        s.actor.send({ type: 'DISCONNECT' });
      },
      (s: ReturnType<typeof startSession>) => {
        s.connect();
        s.actor.send({ type: 'SOCKET.CLOSED' });
      },
    ]) {
      const s = startSession();
      prepare(s);
      s.actor.send({ type });
      expect(closedWith(s)).toBe(reason);
    }
  });

  it('ABORT carries its reason (payload-too-large, queue-overflow, protocol-error, slow-consumer)', () => {
    for (const reason of [
      'payload-too-large',
      'queue-overflow',
      'protocol-error',
      'slow-consumer',
    ] as const) {
      const s = startSession();
      s.connect();
      s.actor.send({ type: 'ABORT', reason });
      expect(closedWith(s)).toBe(reason);
    }
  });

  it('a resume decision on DDP.CONNECT hands the socket to a detached session: no connection event, no close reason', () => {
    const s = startSession();
    s.actor.send({
      type: 'DDP.CONNECT',
      version: '1',
      support: ['1'],
      session: 'S',
      receivedCount: 2,
      resume: 'resumed',
    });
    expect(s.value()).toBe('handedOff');
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.log).toEqual(['handOffSocket']);
    expect(s.context().closeReason).toBeUndefined();
  });

  it('socket closed before connect → socket-closed', () => {
    const s = startSession();
    s.actor.send({ type: 'SOCKET.CLOSED' });
    expect(closedWith(s)).toBe('socket-closed');
  });

  it("the declared effects are exactly the machines' actions that are not their own bookkeeping", () => {
    for (const [machine, effects] of [
      [serverSessionMachine, SERVER_SESSION_EFFECTS.actions],
      [serverLifecycleMachine, SERVER_LIFECYCLE_EFFECTS.actions],
    ] as const) {
      const actions = machine.implementations.actions as Record<string, { type?: string }>;
      // assign() actions update the chart's own context; every other named action is an effect.
      const own = Object.keys(actions).filter((n) => actions[n]?.type !== 'xstate.assign');
      expect(own.sort()).toEqual([...effects].sort());
    }
  });

  it('CLOSE_REASONS lists the closed union', () => {
    expect(CLOSE_REASONS).toHaveLength(18);
    expect(new Set(CLOSE_REASONS).size).toBe(18);
  });
});
