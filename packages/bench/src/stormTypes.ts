/** The two backoff policies compared in the storm. */
export type BackoffPolicy = 'meteor' | 'full-jitter';

/** ddpx's full-jitter policy as `connect()` options: every retry, the first included, uniform in [10 ms, 1 s × 2.2^n]. */
export const FULL_JITTER = Object.freeze({ jitter: 'full', minCount: 0 } as const);

/** What one storm client worker reports at the end. */
export interface StormClientReport {
  /** Clients in this worker. */
  clients: number;
  /** Clients recovered (connected, subscription ready or resumed, data from the current session). */
  recovered: number;
  /** Epoch ms of each client's recovery (after the loss). */
  recoveredAt: number[];
  /** Epoch ms of each client's loss (the status left `connected`). */
  lostAt: number[];
  /** Epoch ms of each client's first reconnect attempt after the loss. */
  firstRetryAt: number[];
  /** Connection attempts started at or after `since` that failed (status went back to `waiting`). */
  failedAttemptsSince: number;
  /** Resumed (same session) vs new sessions at recovery. */
  resumed: number;
  /** Method keys called and resolved. */
  called: string[];
  resolved: string[];
  /** Calls rejected with an error. */
  rejected: number;
}
