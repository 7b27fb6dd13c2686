import {
  type ActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EventFromLogic,
  type ExecutableActionObject,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import { shareSnapshotParts } from './shareSnapshotParts.js';

interface DelayedRaise {
  event: unknown;
  id: string | undefined;
  delay: number | undefined;
}

let anonymousTimers = 0;

type Scope = ActorScope<AnyMachineSnapshot, EventFromLogic<AnyStateMachine>>;
const noop = (): void => {};
const scopes = new WeakMap<AnyStateMachine, Scope>();
let collecting: ExecutableActionObject[] = [];

// xstate's pure `transition(machine, snapshot, event)` and `initialTransition(machine, input)` call
// the machine's own `transition`/`getInitialSnapshot` with an inert scope whose executor only
// collects the actions, but build that scope (a throwaway actor, initial snapshot included) on every
// call: ~30 µs, more than an actor spends per event. The runner does exactly what they do with one
// inert scope per machine, built once.
function inertScope(machine: AnyStateMachine): Scope {
  let scope = scopes.get(machine);
  if (scope === undefined) {
    const self = createActor(machine); // never started: only the `self` xstate hands to actions
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: noop,
      defer: noop,
      emit: noop,
      stopChild: noop,
      system: self.system,
      actionExecutor: (action) => void collecting.push(action),
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** `[snapshot, actions]` of `compute`, as xstate's pure `transition` returns them. */
function pure(
  machine: AnyStateMachine,
  compute: (scope: Scope) => AnyMachineSnapshot,
): [AnyMachineSnapshot, ExecutableActionObject[]] {
  const outer = collecting;
  const actions: ExecutableActionObject[] = [];
  collecting = actions;
  try {
    return [compute(inertScope(machine)), actions];
  } finally {
    collecting = outer;
  }
}

/**
 * Runs a state machine as a bare snapshot advanced by pure transitions (what xstate's `transition`
 * computes), executing the returned actions itself: the machine's named actions (`exec`), delayed
 * `raise` (one timer per pending event, keyed by its id) and `cancel`. Events sent while one is being
 * processed wait in a mailbox and run after it (run-to-completion), as in an actor. It owns no
 * lifecycle of its own: all of that is the machine's. Much smaller than an actor, for the many
 * long-lived idle machines of a server. Machines that spawn, invoke, `sendTo`, `emit` or `log` need a
 * real actor.
 */
export abstract class MachineRunner<TMachine extends AnyStateMachine> {
  private snapshot!: AnyMachineSnapshot;
  private processing = false;
  private mailbox: Array<EventFromLogic<TMachine>> | undefined; // created on first use
  // Pending delayed events: an idle machine has one or none, so the first is held in two fields and
  // only further ones in a (flat id, timer) list.
  private timerKey: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private moreTimers: Array<string | NodeJS.Timeout> | undefined;

  constructor(private readonly machine: TMachine) {}

  /** The machine reached a final state. */
  protected abstract done(): void;
  /** The machine threw (a guard, an assignment or an action); it is stopped with status `error`. */
  protected abstract failed(error: unknown): void;

  /** Takes the initial transition and executes its actions (as an actor's `start()`). */
  start(input: InputFrom<TMachine>): this {
    this.processing = true;
    try {
      const machine = this.machine;
      const [snapshot, actions] = pure(machine, (scope) => machine.getInitialSnapshot(scope, input));
      // An actor runs its initial actions with the initial snapshot already visible.
      shareSnapshotParts(snapshot);
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
      const [next, actions] = pure(machine, (scope) => machine.transition(snapshot, event, scope));
      // As in an actor, actions run while the previous snapshot is still the current one.
      this.execute(actions);
      if (next !== this.snapshot) shareSnapshotParts(next);
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
    const timer = setTimeout(MachineRunner.fire, delay, this, key, event);
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
    if (timer !== undefined) clearTimeout(timer);
  }

  private forget(key: string): NodeJS.Timeout | undefined {
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
      const timer = more[i + 1] as NodeJS.Timeout;
      if (more.length === 2) this.moreTimers = undefined;
      else more.splice(i, 2);
      return timer;
    }
    return undefined;
  }

  // Shared by every timer (the runner, key and event travel as timer arguments): no closure per timer.
  private static fire(runner: MachineRunner<AnyStateMachine>, key: string, event: unknown): void {
    runner.forget(key);
    runner.send(event as EventFromLogic<AnyStateMachine>);
  }

  private fail(error: unknown): void {
    this.snapshot = { ...this.snapshot, status: 'error', error };
  }

  // A stopped machine (final state or error) keeps no timers nor queued events.
  private settle(): void {
    const snapshot = this.snapshot;
    if (snapshot.status === 'active') return;
    clearTimeout(this.timer);
    const more = this.moreTimers;
    if (more) for (let i = 1; i < more.length; i += 2) clearTimeout(more[i] as NodeJS.Timeout);
    this.timerKey = undefined;
    this.timer = undefined;
    this.moreTimers = undefined;
    this.mailbox = undefined;
    if (snapshot.status === 'done') this.done();
    else this.failed(snapshot.error);
  }
}
