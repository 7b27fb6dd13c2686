import { SERVER_SESSION_EFFECTS, type ServerSessionInput, serverSessionMachine } from '@ddpx/statecharts';
import { eventPaths } from '@ddpx/statecharts/testing';
import { describe, expect, it } from 'vitest';
import { type AnyEventObject, type AnyStateMachine, createActor } from 'xstate';
import { MachineRunner } from '../src/machineRunner.js';
import { CountingClock } from './countingClock.js';

// The proof that the session runner and a real XState actor are the same interpreter for the server
// session chart: every model path (the shortest path to each state and a path through every
// transition, from the statecharts' path generation, over the variants the chart's own model-based
// test uses) is replayed through both, each on its own simulated clock, and after every step the
// snapshots (value, context, status, output) and the effects run so far (names, in order) must agree.

const EVENTS: AnyEventObject[] = [
  { type: 'DDP.CONNECT', version: '1', support: ['1', 'pre2', 'pre1'] },
  { type: 'DDP.CONNECT', version: 'pre1', support: ['pre1'] },
  { type: 'DDP.CONNECT', version: 'pre2', support: ['1', 'pre2'] },
  { type: 'DDP.CONNECT', version: '1', support: ['1'], session: 'S', receivedCount: 3, resume: 'resumed' },
  { type: 'DDP.CONNECT', version: '1', support: ['1'], session: 'S', resume: 'count-outside-buffer' },
  { type: 'DDP.ACTIVITY' },
  { type: 'DISCONNECT' },
  { type: 'SOCKET.CLOSED', code: 1006 },
  { type: 'SOCKET.REPLACED' },
  { type: 'RESUME', receivedCount: 2 },
  { type: 'BUFFER.OVERFLOW' },
  { type: 'SUPERSEDED' },
  { type: 'EVICT' },
  { type: 'CLOSE' },
  { type: 'SERVER.CLOSE' },
  { type: 'ABORT', reason: 'protocol-error' },
  { type: 'ABORT', reason: 'rate-limited' },
];
const DELAYS = ['handshakeTimeout', 'heartbeatInterval', 'heartbeatTimeout', 'gracePeriod'] as const;
const AFTER = DELAYS.map((d) => ({ type: `xstate.after.${d}` }));
const INPUT = {
  handshakeTimeoutMs: 4000,
  heartbeatInterval: 1000,
  heartbeatTimeout: 1500,
  gracePeriodMs: 2500,
};

const full = serverSessionMachine.provide({ guards: { serverFull: () => true } });
const VARIANTS: { name: string; machine: AnyStateMachine; input: ServerSessionInput }[] = [
  { name: 'default', machine: serverSessionMachine, input: INPUT },
  { name: 'no resumption', machine: serverSessionMachine, input: { ...INPUT, gracePeriodMs: 0 } },
  { name: 'no heartbeat', machine: serverSessionMachine, input: { ...INPUT, heartbeatInterval: 0 } },
  { name: 'server full', machine: full, input: INPUT },
];

type Snap = ReturnType<typeof serverSessionMachine.getInitialSnapshot>;
const key = (s: Snap) => JSON.stringify([s.value, s.context.inboundSinceTick, s.context.version ?? null]);

/** The machine with every effect appending its name (and the event it ran for) to `log`. */
function recording(machine: AnyStateMachine, log: string[]) {
  const actions = Object.fromEntries(
    SERVER_SESSION_EFFECTS.actions.map((n) => [
      n,
      ({ event }: { event: AnyEventObject }) => void log.push(`${n}@${event.type}`),
    ]),
  );
  return machine.provide({ actions: actions as never });
}

class Runner extends MachineRunner<AnyStateMachine> {
  done(): void {}
  failed(error: unknown): void {
    throw error;
  }
}

const paths = VARIANTS.flatMap((v) =>
  (['shortest', 'transitions'] as const).flatMap((algorithm) =>
    eventPaths(v.machine, algorithm, {
      input: v.input,
      events: [...EVENTS, ...AFTER],
      serializeState: key as never,
    }).map((events) => ({ ...v, name: `${algorithm} [${v.name}]`, events: events.slice(1) })),
  ),
);

const label = (e: AnyEventObject) =>
  e.type.startsWith('xstate.after.') ? `after ${e.type.slice(13)}` : e.type;

describe('the session runner takes the same steps as an XState actor on every model path', () => {
  it('there are paths to replay', () => {
    expect(paths.length).toBeGreaterThan(40);
  });

  it.each(paths.map((p) => [`${p.name} ${p.events.map(label).join(' → ') || 'start'}`, p] as const))(
    '%s',
    (_name, path) => {
      const actorLog: string[] = [];
      const runnerLog: string[] = [];
      const actorClock = new CountingClock();
      const runnerClock = new CountingClock();
      const actor = createActor(recording(path.machine, actorLog), { input: path.input, clock: actorClock });
      actor.start();
      const runner = new Runner(recording(path.machine, runnerLog), runnerClock).start(path.input as never);
      const compare = (where: string) => {
        const a = actor.getSnapshot();
        const r = runner.getSnapshot();
        expect(r.value, where).toEqual(a.value);
        expect(r.context, where).toEqual(a.context);
        expect(r.status, where).toBe(a.status);
        expect(r.output, where).toEqual(a.output);
        expect(runnerLog, where).toEqual(actorLog);
        expect(runnerClock.live.size, `${where}: timers pending`).toBe(actorClock.live.size);
      };
      compare('start');
      for (const [i, event] of path.events.entries()) {
        const where = `step ${i + 1} (${label(event)})`;
        if (event.type.startsWith('xstate.after.')) {
          const c = actor.getSnapshot().context;
          const ms = {
            handshakeTimeout: c.handshakeTimeoutMs,
            heartbeatInterval: c.heartbeatInterval,
            heartbeatTimeout: c.heartbeatTimeout,
            gracePeriod: c.gracePeriodMs,
          }[event.type.slice(13) as (typeof DELAYS)[number]];
          // One tick short of the delay nothing may fire; at the delay both fire the same timer.
          actorClock.increment(ms - 1);
          runnerClock.increment(ms - 1);
          compare(`${where}, 1 ms early`);
          actorClock.increment(1);
          runnerClock.increment(1);
        } else {
          actor.send(event as never);
          runner.send(event as never);
        }
        compare(where);
      }
      if (runner.getSnapshot().status !== 'active') expect(runnerClock.live.size).toBe(0);
      actor.stop();
    },
  );
});
