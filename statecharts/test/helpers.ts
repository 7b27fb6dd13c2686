import { type AnyActorLogic, createActor, fromCallback, fromPromise } from 'xstate';
import {
  CLIENT_CONNECTION_EFFECTS,
  type ClientConnectionInput,
  clientConnectionMachine,
  SERVER_SESSION_EFFECTS,
  type ServerSessionInput,
  serverSessionMachine,
  statusFromSnapshot,
} from '../src/index.js';
import { SteppingClock } from './steppingClock.js';

/** Epoch the simulated clock starts at, so `retryTime` values look like real timestamps. */
export const T0 = 1_700_000_000_000;

function recorders(names: readonly string[], log: string[]) {
  return Object.fromEntries(names.map((n) => [n, () => void log.push(n)]));
}

/** A client machine with every effect recorded, under a SimulatedClock. */
export function startClient(
  input: Partial<ClientConnectionInput> = {},
  options: { reconnectHooks?: AnyActorLogic } = {},
) {
  const clock = new SteppingClock();
  clock.set(T0);
  const log: string[] = [];
  const machine = clientConnectionMachine.provide({
    actions: recorders(CLIENT_CONNECTION_EFFECTS.actions, log) as never,
    actors: {
      // The transport actor's life is logged: opened when `linked` is entered, closed when it is left.
      transport: fromCallback(() => {
        log.push('transport:open');
        return () => log.push('transport:close');
      }),
      reconnectHooks: (options.reconnectHooks ??
        fromPromise(async () => {
          log.push('hooks:run');
        })) as never,
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { url: 'ws://localhost/websocket', now: () => clock.now(), ...input },
  });
  const history: ReturnType<typeof statusFromSnapshot>[] = [];
  actor.subscribe((s) => {
    const st = statusFromSnapshot(s);
    const last = history.at(-1);
    if (!last || JSON.stringify(last) !== JSON.stringify(st)) history.push(st);
  });
  actor.start();
  return {
    actor,
    clock,
    log,
    history,
    status: () => statusFromSnapshot(actor.getSnapshot()),
    context: () => actor.getSnapshot().context,
    value: () => actor.getSnapshot().value,
    /** Moves simulated time forward by `ms`. */
    tick: (ms: number) => clock.advance(ms),
    /** Lets promise-based actors (the reconnect hooks) settle. */
    flush: async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    take: () => log.splice(0, log.length),
  };
}

/** A server session machine with every effect recorded, under a SimulatedClock. */
export function startSession(
  input: ServerSessionInput = {},
  guards: { resumesExisting?: () => boolean } = {},
) {
  const clock = new SteppingClock();
  const log: string[] = [];
  const machine = serverSessionMachine.provide({
    actions: recorders(SERVER_SESSION_EFFECTS.actions, log) as never,
    ...(guards.resumesExisting ? { guards: { resumesExisting: guards.resumesExisting } } : {}),
  });
  const actor = createActor(machine, { clock, input });
  actor.start();
  return {
    actor,
    clock,
    log,
    value: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
    tick: (ms: number) => clock.advance(ms),
    connect: (version = '1', support: unknown = ['1', 'pre2', 'pre1']) =>
      actor.send({ type: 'DDP.CONNECT', version, support }),
    take: () => log.splice(0, log.length),
  };
}
