import { describe, expect, it } from 'vitest';
import { type AnyEventObject, createActor, type InspectionEvent } from 'xstate';
import { machineShape, transitionKeys } from '../src/diagram.js';
import {
  DRAIN_MIN_STEP_MS,
  retryHintFor,
  SERVER_LIFECYCLE_EFFECTS,
  type ServerLifecycleContext,
  serverLifecycleMachine,
} from '../src/index.js';
import { eventPaths } from '../src/testPaths.js';
import { SteppingClock } from './steppingClock.js';

/**
 * Model-based tests of the server lifecycle chart: every shortest and transition path from xstate/graph
 * replayed on the machine with recorded effects under simulated time. After each step: accepting
 * sockets exactly in `listening`; the drain closes each session once, in even steps at least
 * `DRAIN_MIN_STEP_MS` apart over `drainMs`, never before the previous step's time; `stopServing` once, after every session was closed.
 */
const EVENTS: AnyEventObject[] = [
  { type: 'CLOSE', drainMs: 0, sessions: 3 },
  { type: 'CLOSE', drainMs: 900, sessions: 3 },
  { type: 'CLOSE', drainMs: 900, sessions: 1 },
  { type: 'CLOSE', drainMs: 25, sessions: 7 },
  { type: 'CLOSE', drainMs: 600, sessions: 0 },
  { type: 'CLOSE', drainMs: 900, sessions: 3, comeBack: { afterMs: 1000, windowMs: 600 } },
  { type: 'CLOSE', drainMs: 25, sessions: 7, comeBack: { afterMs: 0, windowMs: 70 } },
  { type: 'CLOSE', drainMs: 0, sessions: 3, comeBack: { afterMs: 500, windowMs: 300 } },
  { type: 'STOPPED' },
  { type: 'xstate.after.drainStep.serverLifecycle.draining.pacing' },
];

const key = (s: ReturnType<typeof serverLifecycleMachine.getInitialSnapshot>) =>
  JSON.stringify([s.value, s.context]);

const paths = (['shortest', 'transitions'] as const).flatMap((algorithm) =>
  eventPaths(serverLifecycleMachine, algorithm, {
    input: undefined,
    events: EVENTS,
    serializeState: key as never,
  }).map((events) => ({ name: algorithm, events: events.slice(1) })),
);

const label = (e: AnyEventObject) =>
  e.type === 'CLOSE'
    ? `CLOSE(${e.drainMs} ms, ${e.sessions}${e.comeBack ? `, back ${e.comeBack.afterMs}+${e.comeBack.windowMs} ms` : ''})`
    : e.type.startsWith('xstate.after')
      ? 'after drainStep'
      : e.type;

const covered = new Set<string>();

// The drain's pacing from the rule the chart documents (not from its code): as many even steps of at
// least DRAIN_MIN_STEP_MS as fit, at most one per session, each closing the next batch.
function pacingOf(close: AnyEventObject): { steps: number; step: number; batch: number } {
  const steps = Math.max(1, Math.min(close.sessions, Math.floor(close.drainMs / DRAIN_MIN_STEP_MS)));
  return { steps, step: close.drainMs / steps, batch: Math.ceil(close.sessions / steps) };
}

function replay(events: AnyEventObject[]) {
  const clock = new SteppingClock();
  const log: { name: string; at: number }[] = [];
  // When each closed session was told to come back (absolute, on the clock), by closing index.
  const returns: (number | undefined)[] = [];
  const told = (context: ServerLifecycleContext, from: number, to: number) => {
    for (let i = from; i < Math.min(to, context.sessions); i++) {
      const hint = retryHintFor(context, i);
      returns[i] = hint === undefined ? undefined : clock.now() + hint;
    }
  };
  const bound = serverLifecycleMachine.provide({
    actions: Object.fromEntries(
      SERVER_LIFECYCLE_EFFECTS.actions.map((n) => [
        n,
        ({ context }: { context: ServerLifecycleContext }) => {
          log.push({ name: n, at: clock.now() });
          if (n === 'closeAllSessions') told(context, 0, context.sessions);
          if (n === 'closeNextBatch')
            told(context, context.closedSessions, context.closedSessions + context.batch);
        },
      ]),
    ) as never,
  });
  const actor = createActor(bound, {
    clock,
    inspect: (ev: InspectionEvent) => {
      if (ev.type === '@xstate.microstep')
        for (const t of ev._transitions) for (const k of transitionKeys(t)) covered.add(k);
    },
  });
  actor.start();
  let close: AnyEventObject | undefined;
  for (const [i, e] of events.entries()) {
    const where = `${events.map(label).join(' → ')} (step ${i + 1}: ${label(e)})`;
    const before = actor.getSnapshot();
    if (e.type.startsWith('xstate.after')) {
      const step = before.context.stepMs;
      clock.advance(step - 1);
      expect(actor.getSnapshot().value, `${where}: 1 ms early`).toEqual(before.value);
      clock.advance(1);
    } else actor.send(e as never);
    if (e.type === 'CLOSE' && before.value === 'listening') close = e;
    const snap = actor.getSnapshot();
    const names = log.map((l) => l.name);
    const count = (n: string) => names.filter((x) => x === n).length;
    // Sockets are accepted exactly while listening, and nothing is closed before CLOSE.
    if (!close) {
      expect(snap.value, where).toBe('listening');
      expect(log, where).toEqual([]);
      continue;
    }
    expect(snap.value, where).not.toBe('listening');
    const paced = close.drainMs > 0 && close.sessions > 1;
    expect(count('closeAllSessions'), where).toBe(paced ? 0 : 1);
    if (paced) {
      // Even steps at least DRAIN_MIN_STEP_MS apart, the first at once: times 0, step, 2·step, …, each
      // closing the next batch (one session when the steps fit, else ⌈sessions / steps⌉).
      const { steps, step, batch } = pacingOf(close);
      const closes = log.filter((l) => l.name === 'closeNextBatch').map((l) => l.at);
      expect(closes, where).toEqual(closes.map((_, k) => k * step));
      expect(step, where).toBeGreaterThanOrEqual(DRAIN_MIN_STEP_MS);
      expect(closes.length, where).toBeLessThanOrEqual(steps);
      expect(snap.context.closedSessions, where).toBe(Math.min(close.sessions, closes.length * batch));
    } else expect(count('closeNextBatch'), where).toBe(0);
    if (typeof snap.value === 'object') expect(count('stopServing'), where).toBe(0);
    else {
      // stopping or closed: every session was closed, then the endpoints, once, after the last step.
      expect(count('stopServing'), where).toBe(1);
      if (paced) {
        expect(count('closeNextBatch'), where).toBe(Math.ceil(close.sessions / pacingOf(close).batch));
        // The last session gets its whole step too: the endpoints stop after drainMs.
        expect(log.find((l) => l.name === 'stopServing')?.at, where).toBeCloseTo(close.drainMs);
      }
      expect(count('closePending'), where).toBe(2);
      // Told to come back (with a plan): afterMs after the drain's end (now), session i at its even
      // share (i + ½) / sessions of the window, whenever its batch closed. Without a plan: no hint.
      const plan = close.comeBack as { afterMs: number; windowMs: number } | undefined;
      const { drainMs, sessions } = close;
      const end = paced ? drainMs : 0;
      expect(returns, where).toEqual(
        Array.from({ length: sessions }, (_, i) =>
          plan ? end + plan.afterMs + (plan.windowMs * (i + 0.5)) / sessions : undefined,
        ),
      );
    }
    if (snap.value === 'closed') {
      expect(snap.status, where).toBe('done');
      expect(e.type, where).toBe('STOPPED');
    }
  }
  actor.stop();
}

describe('server lifecycle chart: shortest and transition paths', () => {
  it.each(paths.map((p) => [`${p.name} ${p.events.map(label).join(' → ') || 'start'}`, p] as const))(
    '%s',
    (_n, p) => {
      replay(p.events);
    },
  );

  it('server.close() twice: the second CLOSE changes nothing', () => {
    replay([
      { type: 'CLOSE', drainMs: 900, sessions: 3 },
      { type: 'CLOSE', drainMs: 0, sessions: 3 },
    ]);
  });
});

describe('server lifecycle coverage', () => {
  it('every state and transition of the server lifecycle chart is exercised', () => {
    const shape = machineShape(serverLifecycleMachine);
    const missing = shape.transitions.filter((t) => !covered.has(t));
    console.log(
      `server lifecycle transitions covered: ${shape.transitions.length - missing.length}/${shape.transitions.length}`,
    );
    const seen = [...covered].flatMap((t) => [t.split(' --')[0] as string, t.split('--> ')[1] as string]);
    const missingStates = shape.states.filter((s) => !seen.some((c) => c === s || c.startsWith(`${s}.`)));
    expect(missing).toEqual([]);
    expect(missingStates).toEqual([]);
  });
});
