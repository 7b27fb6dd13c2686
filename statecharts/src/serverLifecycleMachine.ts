import { assign, setup } from 'xstate';

/** Context of {@link serverLifecycleMachine}. */
export interface ServerLifecycleContext {
  /** Sessions live when `close()` was called: the ones the drain closes, one by one. */
  sessions: number;
  /** Sessions the drain has closed so far. */
  closedSessions: number;
  /** The time the closes are spread over, ms (0: all at once). */
  drainMs: number;
  /** Sessions closed per drain step (more than one when `drainMs / sessions` is under {@link DRAIN_MIN_STEP_MS}). */
  batch: number;
  /** Time between drain steps, ms. */
  stepMs: number;
  /** When the drained clients are told to come back (no hint when undefined). */
  comeBack: ComeBack | undefined;
}

/**
 * When a drain tells its clients to come back: `afterMs` after the drain's end, spread evenly over
 * `windowMs` in the order the sessions were closed (so they return at the pace they left).
 */
export interface ComeBack {
  /** From the drain's end until the first client should return, ms (e.g. how long a restart takes). */
  readonly afterMs: number;
  /** The returns are spread evenly over this many ms. */
  readonly windowMs: number;
}

/**
 * The shortest drain step, ms. A timer cannot fire every few microseconds, so 5,000 sessions over 1 s
 * close in 100 batches of 50, 10 ms apart, rather than one by one on 5,000 timers that would each last
 * at least a millisecond (and then the drain would take far longer than `drainMs`).
 */
export const DRAIN_MIN_STEP_MS = 10;

/** How a drain of `sessions` over `drainMs` is paced: as many even steps as fit, each closing a batch. */
export function drainPlan(drainMs: number, sessions: number): { batch: number; stepMs: number } {
  const steps = Math.max(1, Math.min(sessions, Math.floor(drainMs / DRAIN_MIN_STEP_MS)));
  return { batch: Math.ceil(sessions / steps), stepMs: drainMs / steps };
}

/**
 * The retry hint of the `index`-th drained session (0-based, in closing order): the drain time left
 * when its batch closes, then `afterMs`, then its even share of `windowMs`. `undefined` without a plan.
 */
export function retryHintFor(context: ServerLifecycleContext, index: number): number | undefined {
  const plan = context.comeBack;
  if (plan === undefined) return undefined;
  const drainLeftMs = Math.max(0, context.drainMs - Math.floor(index / context.batch) * context.stepMs);
  return drainLeftMs + plan.afterMs + (plan.windowMs * (index + 0.5)) / Math.max(1, context.sessions);
}

/** Whether a `close()` is paced (spread over steps) rather than closing every session at once. */
function isPaced(event: { drainMs: number; sessions: number }): boolean {
  return event.drainMs > 0 && event.sessions > 1;
}

/** Events the server sends to {@link serverLifecycleMachine}. */
export type ServerLifecycleEvent =
  /** `server.close({ drainMs, comeBack })`, with the number of live sessions to close. */
  | { type: 'CLOSE'; drainMs: number; sessions: number; comeBack?: ComeBack }
  /** The endpoints are detached and the server's own http server (if any) has closed. */
  | { type: 'STOPPED' };

/** Effects the server binds with `.provide()`. */
export const SERVER_LIFECYCLE_EFFECTS = Object.freeze({
  actions: ['closePending', 'closeAllSessions', 'closeNextBatch', 'stopServing'] as const,
  delays: ['drainStep'] as const,
});

const noop = () => {};

/**
 * The server's own lifecycle: `listening` (accepting sockets) → `draining` (no new sockets; live
 * sessions closed in even steps over `drainMs`: one per step, or a batch per step when one per step
 * would need steps shorter than {@link DRAIN_MIN_STEP_MS}) → `stopping` (endpoints detached, the
 * server's own http server closing) → `closed`. `close()` without `drainMs`, or with one session or
 * none, closes every session at once. Pending handshakes are closed on entering `draining` and again
 * on entering `stopping` (one may have arrived in between). With a `comeBack` plan each closed session
 * is told when to return ({@link retryHintFor}), so the clients come back spread out rather than at once.
 */
export const serverLifecycleMachine = setup({
  types: {} as { context: ServerLifecycleContext; events: ServerLifecycleEvent },
  actions: {
    // Effects bound by the server (SERVER_LIFECYCLE_EFFECTS.actions).
    closePending: noop,
    closeAllSessions: noop,
    closeNextBatch: noop,
    stopServing: noop,
    // Context bookkeeping, owned by the chart.
    /** The drain's plan; an unpaced close has no drain time left for the hints to count. */
    recordClose: assign(({ event }) => {
      if (event.type !== 'CLOSE') return {};
      const drainMs = isPaced(event) ? event.drainMs : 0;
      return {
        drainMs,
        sessions: event.sessions,
        comeBack: event.comeBack,
        ...drainPlan(drainMs, event.sessions),
      };
    }),
    countClosed: assign(({ context }) => ({
      closedSessions: Math.min(context.sessions, context.closedSessions + context.batch),
    })),
  },
  guards: {
    paced: ({ event }) => event.type === 'CLOSE' && isPaced(event),
    drained: ({ context }) => context.closedSessions >= context.sessions,
  },
  delays: {
    drainStep: ({ context }) => context.stepMs,
  },
}).createMachine({
  id: 'serverLifecycle',
  context: { sessions: 0, closedSessions: 0, drainMs: 0, batch: 1, stepMs: 0, comeBack: undefined },
  initial: 'listening',
  states: {
    listening: {
      on: {
        CLOSE: [
          { guard: 'paced', target: 'draining', actions: ['recordClose', 'closePending'] },
          { target: 'stopping', actions: ['recordClose', 'closePending', 'closeAllSessions'] },
        ],
      },
    },
    draining: {
      initial: 'closingNext',
      states: {
        closingNext: {
          always: [
            { guard: 'drained', target: '#serverLifecycle.stopping' },
            { target: 'pacing', actions: ['closeNextBatch', 'countClosed'] },
          ],
        },
        pacing: { after: { drainStep: 'closingNext' } },
      },
    },
    stopping: {
      entry: ['closePending', 'stopServing'],
      on: { STOPPED: 'closed' },
    },
    closed: { type: 'final' },
  },
});

/** The server lifecycle machine's type. */
export type ServerLifecycleMachine = typeof serverLifecycleMachine;
