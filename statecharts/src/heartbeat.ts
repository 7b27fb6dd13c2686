/**
 * The heartbeat region both charts share (DDP's ping/pong keep-alive, `ddp-behaviour.md` §3.3): after
 * `heartbeatInterval` without inbound traffic send a ping, and give up when nothing arrives within
 * `heartbeatTimeout`. Each chart puts these states in its own region and binds the names below.
 */
export const HEARTBEAT_EFFECTS = Object.freeze({
  /** `clearInbound`/`markInbound` keep `inboundSinceTick` in context; `sendPing` writes a ping. */
  actions: ['clearInbound', 'markInbound', 'sendPing'] as const,
  /** Whether an inbound message arrived since the last tick. */
  guards: ['inboundSinceTick', 'noInboundSinceTick'] as const,
  delays: ['heartbeatInterval', 'heartbeatTimeout'] as const,
});

/**
 * The `idle` and `pinging` states of a heartbeat region. `onTimeout` is the `heartbeatTimeout`
 * transition out of `pinging` (the chart's "connection lost"); `idleEvents` adds events that ping at
 * once (the client's `NETWORK.OFFLINE` and `PAGE.VISIBLE`).
 */
export function heartbeatStates<const T, const E extends object = Record<never, never>>(
  onTimeout: T,
  idleEvents?: E,
) {
  return {
    idle: {
      entry: 'clearInbound',
      after: {
        heartbeatInterval: [
          { guard: 'inboundSinceTick', target: 'idle', reenter: true },
          { target: 'pinging' },
        ],
      },
      on: {
        'DDP.ACTIVITY': { guard: 'noInboundSinceTick', actions: 'markInbound' },
        ...(idleEvents as E),
      },
    },
    pinging: {
      entry: 'sendPing',
      after: { heartbeatTimeout: onTimeout },
      on: { 'DDP.ACTIVITY': { target: 'idle' } },
    },
  } as const;
}
