import { serverSessionMachine } from '@ddpx/statecharts';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AnyStateMachine,
  assign,
  createActor,
  emit,
  initialTransition,
  setup,
  transition,
} from 'xstate';
import { MachineRunner } from '../src/machineRunner.js';
import { CountingClock } from './countingClock.js';

let clock = new CountingClock();
const timerCount = () => clock.live.size;
const advance = (ms: number) => clock.increment(ms);

class TestRunner<M extends AnyStateMachine> extends MachineRunner<M> {
  constructor(machine: M) {
    super(machine, clock);
  }
  doneCount = 0;
  errors: unknown[] = [];
  protected done(): void {
    this.doneCount++;
  }
  protected failed(error: unknown): void {
    this.errors.push(error);
  }
}

type E = { type: 'GO' } | { type: 'BACK' } | { type: 'POKE' } | { type: 'FINISH' } | { type: 'BOOM' };

function timerMachine(log: string[], poke?: () => void) {
  return setup({
    types: {} as { events: E; context: { n: number } },
    actions: {
      record: (_, params: { what: string }) => log.push(params.what),
      pokeSelf: () => poke?.(),
    },
    guards: {
      explode: () => {
        throw new Error('guard exploded');
      },
    },
  }).createMachine({
    context: { n: 0 },
    initial: 'waiting',
    states: {
      waiting: {
        entry: { type: 'record', params: { what: 'enter waiting' } },
        after: { 100: { target: 'timedOut' } },
        on: {
          GO: 'working',
          POKE: { target: 'waiting', reenter: true },
          BOOM: { guard: 'explode', target: 'working' },
        },
      },
      working: {
        entry: [{ type: 'record', params: { what: 'enter working' } }, 'pokeSelf'],
        exit: { type: 'record', params: { what: 'exit working' } },
        after: { 50: { target: 'waiting' }, 500: { target: 'timedOut' } },
        on: {
          BACK: 'waiting',
          POKE: {
            actions: [
              assign({ n: ({ context }) => context.n + 1 }),
              { type: 'record', params: { what: 'poked' } },
            ],
          },
          FINISH: 'finished',
        },
      },
      timedOut: { entry: { type: 'record', params: { what: 'timed out' } } },
      finished: { type: 'final' },
    },
  });
}

describe('MachineRunner', () => {
  beforeEach(() => {
    clock = new CountingClock();
  });

  it('runs initial actions, fires delayed events after their delay and cancels them on exit', () => {
    const log: string[] = [];
    const runner = new TestRunner(timerMachine(log)).start(undefined);
    expect(runner.getSnapshot().value).toBe('waiting');
    expect(log).toEqual(['enter waiting']);
    expect(runner.pendingTimers).toBe(1);

    runner.send({ type: 'GO' }); // leaves `waiting`: its 100 ms timer is cancelled, two new ones start
    expect(runner.pendingTimers).toBe(2);
    expect(timerCount()).toBe(2);
    advance(49);
    expect(runner.getSnapshot().value).toBe('working');
    advance(1); // working's 50 ms delay
    expect(runner.getSnapshot().value).toBe('waiting');
    expect(log).toEqual(['enter waiting', 'enter working', 'exit working', 'enter waiting']);
    expect(runner.pendingTimers).toBe(1);
    expect(timerCount()).toBe(1);
    advance(100);
    expect(runner.getSnapshot().value).toBe('timedOut');
    expect(runner.pendingTimers).toBe(0);
    expect(timerCount()).toBe(0);
  });

  it('re-entering a state restarts its delay with one timer, not two', () => {
    const runner = new TestRunner(timerMachine([])).start(undefined);
    advance(80);
    runner.send({ type: 'POKE' }); // reenter waiting
    expect(timerCount()).toBe(1);
    advance(80);
    expect(runner.getSnapshot().value).toBe('waiting');
    advance(20);
    expect(runner.getSnapshot().value).toBe('timedOut');
  });

  it('events sent by an action wait until the current event is fully processed (run-to-completion)', () => {
    const log: string[] = [];
    let runner: TestRunner<ReturnType<typeof timerMachine>> | undefined;
    const poke = () => {
      log.push('send POKE');
      runner!.send({ type: 'POKE' });
      log.push('sent');
    };
    runner = new TestRunner(timerMachine(log, poke)).start(undefined);
    runner.send({ type: 'GO' });
    // The POKE sent from working's entry ran after GO's whole step (entry actions and snapshot).
    expect(log).toEqual(['enter waiting', 'enter working', 'send POKE', 'sent', 'poked']);
    expect(runner.getSnapshot().context.n).toBe(1);
  });

  it('a final state completes once and clears every timer; later events are ignored', () => {
    const log: string[] = [];
    const runner = new TestRunner(timerMachine(log)).start(undefined);
    runner.send({ type: 'GO' });
    expect(timerCount()).toBe(2);
    runner.send({ type: 'FINISH' });
    expect(runner.getSnapshot().status).toBe('done');
    expect(runner.doneCount).toBe(1);
    expect(timerCount()).toBe(0);
    runner.send({ type: 'GO' });
    advance(1000);
    expect(runner.doneCount).toBe(1);
    expect(runner.getSnapshot().value).toBe('finished');
  });

  it('a throwing guard stops the machine with status error, reported once, timers cleared', () => {
    const runner = new TestRunner(timerMachine([])).start(undefined);
    runner.send({ type: 'BOOM' });
    expect(runner.getSnapshot().status).toBe('error');
    expect(runner.errors).toHaveLength(1);
    expect(String(runner.errors[0])).toContain('guard exploded');
    expect(timerCount()).toBe(0);
    runner.send({ type: 'GO' });
    expect(runner.errors).toHaveLength(1);
  });

  it('refuses built-in actions it cannot run (they need an actor) instead of dropping them', () => {
    const machine = setup({ types: {} as { events: { type: 'X' } } }).createMachine({
      on: { X: { actions: emit({ type: 'out' }) } },
    });
    const runner = new TestRunner(machine).start(undefined);
    runner.send({ type: 'X' });
    expect(runner.getSnapshot().status).toBe('error');
    expect(String(runner.errors[0])).toMatch(/xstate\.emit.*actor/);
  });

  it('runners of one machine share its scope: a guard that steps another runner keeps both steps whole', () => {
    const log: string[] = [];
    let other: TestRunner<AnyStateMachine> | undefined;
    const machine = setup({
      types: {} as { events: { type: 'GO' } | { type: 'PING' } },
      actions: { record: (_, params: { what: string }) => log.push(params.what) },
      guards: {
        // Evaluated inside this runner's transition: the other runner's whole step runs in the middle.
        pokesOther: () => {
          other!.send({ type: 'PING' });
          return true;
        },
      },
    }).createMachine({
      initial: 'idle',
      states: {
        idle: {
          on: {
            GO: { guard: 'pokesOther', target: 'went', actions: { type: 'record', params: { what: 'GO' } } },
            PING: { actions: { type: 'record', params: { what: 'PING' } } },
          },
        },
        went: { entry: { type: 'record', params: { what: 'entered went' } }, after: { 10: 'idle' } },
      },
    });
    const first = new TestRunner(machine).start(undefined);
    other = new TestRunner(machine).start(undefined);
    first.send({ type: 'GO' });
    // The other runner's action ran in its own step; this runner's actions were neither lost to it nor
    // run twice, and its delayed event was scheduled.
    expect(log).toEqual(['PING', 'GO', 'entered went']);
    expect(first.getSnapshot().value).toBe('went');
    expect(other.getSnapshot().value).toBe('idle');
    expect(first.pendingTimers).toBe(1);
    expect(other.pendingTimers).toBe(0);
  });

  it('takes the same steps as xstate transition() and an actor on the server session machine', () => {
    const input = { sessionId: 'abc', heartbeatInterval: 1000, heartbeatTimeout: 1000, gracePeriodMs: 500 };
    const events = [
      { type: 'DDP.CONNECT', version: '1', support: ['1'] },
      { type: 'DDP.ACTIVITY' },
      { type: 'SOCKET.CLOSED' },
      { type: 'RESUME', receivedCount: 0 },
      { type: 'CLOSE' },
    ] as const;
    const runner = new TestRunner(serverSessionMachine).start(input);
    const actor = createActor(serverSessionMachine, { input }).start();
    let [pure] = initialTransition(serverSessionMachine, input);
    for (const event of events) {
      runner.send(event);
      actor.send(event);
      [pure] = transition(serverSessionMachine, pure, event);
      for (const other of [pure, actor.getSnapshot()]) {
        expect(runner.getSnapshot().value).toEqual(other.value);
        expect(runner.getSnapshot().context).toEqual(other.context);
        expect(runner.getSnapshot().status).toBe(other.status);
      }
    }
    expect(runner.getSnapshot().context.closeReason).toBe('connection-close');
    expect(runner.doneCount).toBe(1);
    expect(timerCount()).toBe(0);
    actor.stop();
  });
});
