import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type AnyEventObject,
  type AnyStateMachine,
  createActor,
  getInitialSnapshot,
  getNextSnapshot,
  type InspectionEvent,
  type SnapshotFrom,
} from 'xstate';
import { descendants, machineShape, transitionKeys } from '../src/diagram.js';
import {
  CLOSE_REASONS,
  type CloseReason,
  negotiateVersion,
  SERVER_SESSION_EFFECTS,
  type ServerSessionInput,
  serverSessionMachine,
} from '../src/index.js';
import { eventPaths } from '../src/testPaths.js';

const SUPPORTED = ['1', 'pre2', 'pre1'];

import { SteppingClock } from './steppingClock.js';

/**
 * Model-based tests of the server session chart: every path from xstate/graph replayed on the machine
 * with recorded effects under simulated time; after each step the state, the close reason (against an
 * independent table of which event closes with which reason), and the lifecycle events emitted so far.
 */
type Snap = SnapshotFrom<typeof serverSessionMachine>;

const EVENTS: AnyEventObject[] = [
  { type: 'DDP.CONNECT', version: '1', support: ['1', 'pre2', 'pre1'] },
  { type: 'DDP.CONNECT', version: 'pre1', support: ['pre1'] },
  { type: 'DDP.CONNECT', version: 'pre2', support: ['1', 'pre2'] },
  // The server decided to resume a detached session with this socket (the decision rides on the event).
  { type: 'DDP.CONNECT', version: '1', support: ['1'], session: 'S', receivedCount: 3, resume: 'resumed' },
  { type: 'DDP.CONNECT', version: '1', support: ['1'], session: 'S', resume: 'no-received-count' },
  { type: 'DDP.ACTIVITY' },
  { type: 'DISCONNECT' },
  { type: 'SOCKET.CLOSED', code: 1006 },
  { type: 'SOCKET.REPLACED' },
  { type: 'RESUME', receivedCount: 0 },
  { type: 'BUFFER.OVERFLOW' },
  { type: 'SUPERSEDED' },
  { type: 'EVICT' },
  { type: 'CLOSE' },
  { type: 'SERVER.CLOSE' },
  { type: 'ABORT', reason: 'protocol-error' },
  { type: 'ABORT', reason: 'slow-consumer' },
  { type: 'ABORT', reason: 'rate-limited' },
];
const afterEvents = descendants(serverSessionMachine.root).flatMap((n) =>
  [...n.transitions.keys()].filter((t) => t.startsWith('xstate.after.')).map((type) => ({ type })),
);

const full = serverSessionMachine.provide({ guards: { serverFull: () => true } });
const VARIANTS: { name: string; machine: AnyStateMachine; input: ServerSessionInput }[] = [
  { name: 'default', machine: serverSessionMachine, input: {} },
  { name: 'no resumption', machine: serverSessionMachine, input: { gracePeriodMs: 0 } },
  { name: 'no heartbeat', machine: serverSessionMachine, input: { heartbeatInterval: 0 } },
  { name: 'server full', machine: full, input: {} },
];

const key = (s: Snap) => JSON.stringify([s.value, s.context.inboundSinceTick, s.context.version ?? null]);
const handedOff = (e: AnyEventObject) => e.type === 'DDP.CONNECT' && e.resume === 'resumed';

interface Path {
  name: string;
  machine: AnyStateMachine;
  input: ServerSessionInput;
  events: AnyEventObject[];
}
const paths: Path[] = VARIANTS.flatMap((v) =>
  (['shortest', 'transitions'] as const).flatMap((algorithm) =>
    eventPaths(v.machine, algorithm, {
      input: v.input,
      events: [...EVENTS, ...afterEvents],
      serializeState: key as never,
    }).map((events) => ({
      name: `${algorithm} [${v.name}]`,
      machine: v.machine,
      input: v.input,
      events: events.slice(1),
    })),
  ),
);

const label = (e: AnyEventObject) =>
  e.type.startsWith('xstate.after.')
    ? `after ${e.type.split('.')[2]}`
    : e.type === 'DDP.CONNECT'
      ? `CONNECT(${String(e.version)}${e.resume ? `, ${e.resume}` : ''})`
      : e.type;

/** Which reason a step that closes the session must record (independent of the chart). */
function expectedReason(
  before: string,
  e: AnyEventObject,
  input: ServerSessionInput,
): CloseReason | 'detach' | undefined {
  const delay = e.type.startsWith('xstate.after.') ? e.type.split('.')[2] : undefined;
  if (delay === 'handshakeTimeout') return 'handshake-timeout';
  if (delay === 'gracePeriod') return 'grace-expired';
  if (delay === 'heartbeatTimeout') return before === 'departing' ? 'client-disconnect' : 'heartbeat-timeout';
  switch (e.type) {
    case 'DDP.CONNECT':
      return negotiateVersion(e as never, SUPPORTED).accepted ? 'server-full' : 'version-mismatch';
    case 'SOCKET.CLOSED':
      if (before === 'departing') return 'client-disconnect';
      if (before === 'established' && (input.gracePeriodMs ?? 15_000) > 0) return 'detach';
      return 'socket-closed';
    case 'SOCKET.REPLACED':
      return 'detach';
    case 'BUFFER.OVERFLOW':
      return 'buffer-overflow';
    case 'SUPERSEDED':
      return 'superseded';
    case 'EVICT':
      return 'evicted';
    case 'CLOSE':
      return 'connection-close';
    case 'SERVER.CLOSE':
      return 'server-close';
    case 'ABORT':
      return e.reason as CloseReason;
    default:
      return undefined;
  }
}

const covered = new Set<string>();

async function replay(path: Path) {
  const clock = new SteppingClock();
  const log: string[] = [];
  const bound = path.machine.provide({
    actions: Object.fromEntries(
      SERVER_SESSION_EFFECTS.actions.map((n) => [n, () => void log.push(n)]),
    ) as never,
  });
  const actor = createActor(bound, {
    clock,
    input: path.input,
    inspect: (ev: InspectionEvent) => {
      if (ev.type === '@xstate.microstep')
        for (const t of ev._transitions) for (const k of transitionKeys(t)) covered.add(k);
    },
  });
  actor.start();
  let model = getInitialSnapshot(path.machine, path.input) as Snap;
  for (const [i, e] of path.events.entries()) {
    const where = `${path.name}: ${path.events.map(label).join(' → ')} (step ${i + 1}: ${label(e)})`;
    const before = typeof model.value === 'string' ? model.value : Object.keys(model.value)[0];
    model = getNextSnapshot(path.machine, model, e as never) as Snap;
    if (e.type.startsWith('xstate.after.')) {
      const delay = e.type.split('.')[2] as
        | 'handshakeTimeout'
        | 'heartbeatInterval'
        | 'heartbeatTimeout'
        | 'gracePeriod';
      const c = actor.getSnapshot().context;
      clock.advance(
        {
          handshakeTimeout: c.handshakeTimeoutMs,
          heartbeatInterval: c.heartbeatInterval,
          heartbeatTimeout: c.heartbeatTimeout,
          gracePeriod: c.gracePeriodMs,
        }[delay],
      );
    } else actor.send(e as never);
    const snap = actor.getSnapshot();
    expect(snap.value, where).toEqual(model.value);
    const emitted = (n: string) => log.filter((x) => x === n).length;
    expect(emitted('emitConnection'), `${where}: connection emitted at most once`).toBeLessThanOrEqual(1);
    if (snap.value === 'closed') {
      const want = expectedReason(before as string, e, path.input);
      expect(snap.context.closeReason, `${where}: close reason`).toBe(want);
      expect(CLOSE_REASONS).toContain(snap.context.closeReason);
      expect(snap.output, where).toEqual({ closeReason: want });
      expect(emitted('emitClose'), `${where}: close emitted iff connection was`).toBe(
        emitted('emitConnection'),
      );
      const socketGone =
        e.type === 'SOCKET.CLOSED' || log.includes('closeSocket') || log.includes('emitDetach');
      expect(socketGone, `${where}: socket closed`).toBe(true);
    } else {
      expect(snap.context.closeReason, where).toBeUndefined();
      expect(emitted('emitClose'), where).toBe(0);
    }
    if (snap.value === 'handedOff') {
      expect(handedOff(e), `${where}: only a resume decision hands the socket off`).toBe(true);
      expect(log, `${where}: handed off without a connection`).toEqual(['handOffSocket']);
    } else if (
      handedOff(e) &&
      before === 'awaitingConnect' &&
      negotiateVersion(e as never, SUPPORTED).accepted
    )
      expect(snap.value, `${where}: a resume decision hands the socket off`).toBe('handedOff');
    if (snap.value === 'detached')
      expect(expectedReason(before as string, e, path.input), where).toBe('detach');
    if (
      isDeepStrictEqual(snap.value, { established: 'pinging' }) &&
      isDeepStrictEqual(model.value, snap.value)
    )
      expect(log.at(-1) === 'sendPing' || e.type === 'DDP.ACTIVITY', where).toBe(true);
    if (e.type === 'RESUME' && before === 'detached')
      expect(log.slice(-2), where).toEqual(['emitResume', 'flushBuffer']);
  }
  actor.stop();
}

describe('server session chart: shortest and transition paths', () => {
  it.each(paths.map((p) => [`${p.name} ${p.events.map(label).join(' → ') || 'start'}`, p] as const))(
    '%s',
    async (_n, p) => {
      await replay(p);
    },
  );
});

describe('server coverage', () => {
  it('every state and transition of the server session chart is exercised', () => {
    const shape = machineShape(serverSessionMachine);
    const missing = shape.transitions.filter((t) => !covered.has(t));
    console.log(
      `server transitions covered: ${shape.transitions.length - missing.length}/${shape.transitions.length}`,
    );
    const seen = [...covered].flatMap((t) => [t.split(' --')[0] as string, t.split('--> ')[1] as string]);
    const missingStates = shape.states.filter((s) => !seen.some((c) => c === s || c.startsWith(`${s}.`)));
    console.log(
      `server states covered: ${shape.states.length - missingStates.length}/${shape.states.length}`,
    );
    expect(missing).toEqual([]);
    expect(missingStates).toEqual([]);
  });
});
