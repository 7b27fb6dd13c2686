import {
  type ActorOptions,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EventFromLogic,
  type ExecutableActionObject,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';

/** The clock a runner schedules delayed events on: XState's `Clock` (a `SimulatedClock` in tests). */
export type RunnerClock = NonNullable<ActorOptions<AnyStateMachine>['clock']>;

/** The real timers, as an XState clock. */
export const REAL_CLOCK: RunnerClock = Object.freeze({
  setTimeout: (fn: (...args: unknown[]) => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (id: unknown) => clearTimeout(id as NodeJS.Timeout),
});

/** The parameters of a delayed `xstate.raise` (`ExecutableRaiseAction`; `after` transitions are these). */
interface DelayedRaise {
  event: unknown;
  id: string | undefined;
  delay: number | undefined;
}

let anonymousTimers = 0;

/**
 * What every runner of one machine shares to advance its snapshots: one `ActorScope` (xstate's public
 * interface that an `ActorLogic`'s `transition`/`getInitialSnapshot` take), built once per machine,
 * whose `actionExecutor` collects the actions of the call in progress into `sink`.
 */
interface Stepper {
  scope: AnyActorScope;
  sink: ExecutableActionObject[] | undefined;
}

// xstate's pure `transition(logic, snapshot, event)` and `initialTransition(logic, input)` are
// `logic.transition(snapshot, event, scope)` / `logic.getInitialSnapshot(scope, input)` with an inert
// scope whose executor collects the actions, but they build that scope anew on every call: a throwaway
// actor (whose constructor computes the chart's initial state) and two actor systems, garbage that
// every session start and every chart event paid for. The runner builds the same inert scope once per
// machine and calls the machine's public `transition`/`getInitialSnapshot` with it. The scope holds no
// per-call state but `sink`, which a nested call (a guard or an assignment of one session stepping
// another inside its transition) saves and restores. Public API only (`ActorScope`, `ActorLogic`
// methods, `createActor`, `Actor.system`); the model-path test (`machineRunnerPaths.test.ts`) checks
// the runner against a real actor step by step.
const steppers = new WeakMap<AnyStateMachine, Stepper>();

function stepperOf(machine: AnyStateMachine): Stepper {
  const stepper = steppers.get(machine);
  if (stepper) return stepper;
  // Never started: it lends the scope a `self` and a system (no inspection, no scheduler use: the
  // runner executes delayed events itself), as the pure functions' throwaway actor did.
  const self = createActor(machine);
  const noop = () => {};
  const made: Stepper = {
    sink: undefined,
    scope: {
      self,
      id: '',
      sessionId: '',
      logger: noop,
      defer: noop,
      emit: noop,
      stopChild: noop,
      system: self.system,
      actionExecutor: (action) => {
        made.sink?.push(action);
      },
    },
  };
  steppers.set(machine, made);
  return made;
}

/** Runs `fn` with the stepper's executor collecting into a fresh list; returns `fn`'s result and it. */
function collect<T>(stepper: Stepper, fn: (scope: AnyActorScope) => T): [T, ExecutableActionObject[]] {
  const outer = stepper.sink;
  const actions: ExecutableActionObject[] = [];
  stepper.sink = actions;
  try {
    return [fn(stepper.scope), actions];
  } finally {
    stepper.sink = outer;
  }
}

/**
 * Runs a state machine as a bare snapshot advanced by the machine's public `getInitialSnapshot` and
 * `transition` (what xstate's pure `initialTransition`/`transition` call, with one shared inert scope
 * instead of a new one per call), executing the actions they collect: the machine's named actions
 * (`exec`), delayed `raise` (one timer per pending event on the injected clock, keyed by its id) and
 * `cancel`. Events sent while one is being processed wait in a mailbox and run after it
 * (run-to-completion), and actions run while the previous snapshot is still current, as in an actor.
 * It owns no lifecycle of its own: all of that is the machine's. Much smaller than an actor, for the
 * many long-lived idle machines of a server; `machineRunner.test.ts` replays every model path of the
 * server session chart through it and through a real actor and compares the snapshots and effects.
 * Machines that spawn, invoke, `sendTo`, `emit` or `log` need a real actor (it refuses them).
 */
export abstract class MachineRunner<TMachine extends AnyStateMachine> {
  private snapshot!: AnyMachineSnapshot;
  private processing = false;
  private mailbox: Array<EventFromLogic<TMachine>> | undefined; // created on first use
  // Pending delayed events: an idle machine has one or none, so the first is held in two fields and
  // only further ones in a (flat id, timer) list.
  private timerKey: string | undefined;
  private timer: unknown;
  private moreTimers: unknown[] | undefined;

  constructor(
    private readonly machine: TMachine,
    private readonly clock: RunnerClock = REAL_CLOCK,
  ) {}

  /** The machine reached a final state. */
  protected abstract done(): void;
  /** The machine threw (a guard, an assignment or an action); it is stopped with status `error`. */
  protected abstract failed(error: unknown): void;

  /** Takes the initial transition and executes its actions (as an actor's `start()`). */
  start(input: InputFrom<TMachine>): this {
    this.processing = true;
    try {
      const machine = this.machine;
      const [snapshot, actions] = collect(
        stepperOf(machine),
        (scope) => machine.getInitialSnapshot(scope, input) as AnyMachineSnapshot,
      );
      // An actor runs its initial actions with the initial snapshot already visible.
      this.snapshot = snapshot;
      this.execute(actions);
    } catch (err) {
      this.fail(err);
    }
    this.settle();
    this.drain();
    return this;
  }

  /** The current snapshot. */
  getSnapshot(): SnapshotFrom<TMachine> {
    return this.snapshot as SnapshotFrom<TMachine>;
  }

  /** Processes `event` now, or after the event being processed (ignored once the machine stopped). */
  send(event: EventFromLogic<TMachine>): void {
    if (this.snapshot.status !== 'active') return;
    if (this.processing) {
      this.mailbox ??= [];
      this.mailbox.push(event);
      return;
    }
    this.processing = true;
    this.step(event);
    this.drain();
  }

  /** Number of delayed events pending (for tests). */
  get pendingTimers(): number {
    return (this.timerKey === undefined ? 0 : 1) + (this.moreTimers?.length ?? 0) / 2;
  }

  private drain(): void {
    while (this.snapshot.status === 'active') {
      const event = this.mailbox?.shift();
      if (event === undefined) break;
      this.step(event);
    }
    this.mailbox = undefined;
    this.processing = false;
  }

  private step(event: EventFromLogic<TMachine>): void {
    try {
      const { machine, snapshot } = this;
      const [next, actions] = collect(
        stepperOf(machine),
        (scope) => machine.transition(snapshot, event, scope) as AnyMachineSnapshot,
      );
      // As in an actor, actions run while the previous snapshot is still the current one.
      this.execute(actions);
      this.snapshot = next;
    } catch (err) {
      this.fail(err);
    }
    this.settle();
  }

  private execute(actions: readonly ExecutableActionObject[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'xstate.raise': {
          // A raise without a delay was already taken inside `transition` (the internal queue).
          const { event, id, delay } = action.params as DelayedRaise;
          if (typeof delay === 'number') this.schedule(event as EventFromLogic<TMachine>, delay, id);
          break;
        }
        case 'xstate.cancel':
          this.cancel((action.params as { sendId: string }).sendId);
          break;
        default:
          if (action.type.startsWith('xstate.')) {
            throw new Error(`MachineRunner cannot execute '${action.type}'; run this machine in an actor`);
          }
          action.exec?.(action.info, action.params);
      }
    }
  }

  private schedule(event: EventFromLogic<TMachine>, delay: number, id: string | undefined): void {
    const key = id ?? `#${++anonymousTimers}`;
    this.cancel(key);
    const timer = this.clock.setTimeout(() => {
      this.forget(key);
      this.send(event);
    }, delay);
    if (this.timerKey === undefined) {
      this.timerKey = key;
      this.timer = timer;
    } else {
      this.moreTimers ??= [];
      this.moreTimers.push(key, timer);
    }
  }

  private cancel(key: string): void {
    const timer = this.forget(key);
    if (timer !== undefined) this.clock.clearTimeout(timer);
  }

  private forget(key: string): unknown {
    if (this.timerKey === key) {
      const timer = this.timer;
      this.timerKey = undefined;
      this.timer = undefined;
      return timer;
    }
    const more = this.moreTimers;
    if (more === undefined) return undefined;
    for (let i = 0; i < more.length; i += 2) {
      if (more[i] !== key) continue;
      const timer = more[i + 1];
      if (more.length === 2) this.moreTimers = undefined;
      else more.splice(i, 2);
      return timer;
    }
    return undefined;
  }

  private fail(error: unknown): void {
    this.snapshot = { ...this.snapshot, status: 'error', error };
  }

  // A stopped machine (final state or error) keeps no timers nor queued events.
  private settle(): void {
    const snapshot = this.snapshot;
    if (snapshot.status === 'active') return;
    if (this.timerKey !== undefined) this.clock.clearTimeout(this.timer);
    const more = this.moreTimers;
    if (more) for (let i = 1; i < more.length; i += 2) this.clock.clearTimeout(more[i]);
    this.timerKey = undefined;
    this.timer = undefined;
    this.moreTimers = undefined;
    this.mailbox = undefined;
    if (snapshot.status === 'done') this.done();
    else this.failed(snapshot.error);
  }
}
