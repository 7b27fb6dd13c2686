import { assign, setup } from 'xstate';

/** Context of {@link serverLifecycleMachine}. */
export interface ServerLifecycleContext {
  /** Sessions live when `close()` was called: the ones the drain closes, one by one. */
  sessions: number;
  /** Sessions the drain has closed so far. */
  closedSessions: number;
  /** The time the closes are spread over, ms (0: all at once). */
  drainMs: number;
}

/** Events the server sends to {@link serverLifecycleMachine}. */
export type ServerLifecycleEvent =
  /** `server.close({ drainMs })`, with the number of live sessions to close. */
  | { type: 'CLOSE'; drainMs: number; sessions: number }
  /** The endpoints are detached and the server's own http server (if any) has closed. */
  | { type: 'STOPPED' };

/** Effects the server binds with `.provide()`. */
export const SERVER_LIFECYCLE_EFFECTS = Object.freeze({
  actions: ['closePending', 'closeAllSessions', 'closeNextSession', 'stopServing'] as const,
  delays: ['drainStep'] as const,
});

const noop = () => {};

/**
 * The server's own lifecycle: `listening` (accepting sockets) → `draining` (no new sockets; live
 * sessions closed one at a time, `drainMs / sessions` apart) → `stopping` (endpoints detached, the
 * server's own http server closing) → `closed`. `close()` without `drainMs`, or with one session or
 * none, closes every session at once. Pending handshakes are closed on entering `draining` and again
 * on entering `stopping` (one may have arrived in between).
 */
export const serverLifecycleMachine = setup({
  types: {} as { context: ServerLifecycleContext; events: ServerLifecycleEvent },
  actions: {
    // Effects bound by the server (SERVER_LIFECYCLE_EFFECTS.actions).
    closePending: noop,
    closeAllSessions: noop,
    closeNextSession: noop,
    stopServing: noop,
    // Context bookkeeping, owned by the chart.
    recordClose: assign(({ event }) =>
      event.type === 'CLOSE' ? { drainMs: Math.max(0, event.drainMs), sessions: event.sessions } : {},
    ),
    countClosed: assign(({ context }) => ({ closedSessions: context.closedSessions + 1 })),
  },
  guards: {
    paced: ({ event }) => event.type === 'CLOSE' && event.drainMs > 0 && event.sessions > 1,
    drained: ({ context }) => context.closedSessions >= context.sessions,
  },
  delays: {
    drainStep: ({ context }) => context.drainMs / Math.max(1, context.sessions),
  },
}).createMachine({
  id: 'serverLifecycle',
  context: { sessions: 0, closedSessions: 0, drainMs: 0 },
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
            { target: 'pacing', actions: ['closeNextSession', 'countClosed'] },
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
