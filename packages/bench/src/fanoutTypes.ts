/** The fields every fan-out change carries (plus `v`, the change's number, and `topic`), for every contender. */
export const FANOUT_FIELDS = Object.freeze({ s: 'hello, world', ok: true, n: 42 });

/** Who is measured in the fan-out benchmark. */
export type FanoutContender = 'ws' | 'ddpx' | 'socketio';

/** How the server issues the changes: all in one synchronous burst, or one per event-loop turn. */
export type FanoutMode = 'burst' | 'turn';

/** The parent's request to the server. */
export interface FanoutRequest {
  mode: FanoutMode;
  /** Changes to issue (each to every subscriber of every topic). */
  changes: number;
  /** Number of the change before the first (so every round's values are new). */
  base: number;
}

/** When the server started issuing (ms since the epoch, sub-ms precision) and the CPU it took to issue. */
export interface FanoutStart {
  at: number;
  cpuUs: number;
}

/** What one client worker saw since its last reset. */
export interface FanoutSeen {
  /** Change frames received. */
  count: number;
  /** Arrival of the first and the last change frame (ms since the epoch), 0 when none. */
  first: number;
  last: number;
}
