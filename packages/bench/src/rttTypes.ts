/** The small payload every contender sends and gets back. */
export const PAYLOAD = Object.freeze({ n: 42, s: 'hello, world', ok: true });

/**
 * Who is measured in the round-trip benchmark. `naive`: a DDP pair on bare `ws` that parses every frame
 * with one `JSON.parse` and answers a method with `result` + `updated` (no validation, no EJSON, no
 * session, no batching): what a minimal DDP implementation costs.
 */
export type RttContender = 'ws' | 'ddpx' | 'socketio' | 'ddpx-sockjs' | 'naive';

/** One measured window of one contender at one in-flight count. */
export interface RttRunResult {
  /** Calls completed inside the window. */
  calls: number;
  /** Calls per second inside the window. */
  callsPerSec: number;
  /** Median latency, ms. */
  p50: number;
  /** 99th percentile latency, ms. */
  p99: number;
  /** Client CPU per call, µs. */
  clientCpuUsPerCall: number;
  /** The kernel's part of it (system time), µs. */
  clientSysUsPerCall: number;
  /** Calls issued (whole run, warm-up included). */
  sent: number;
  /** Replies received (whole run). */
  received: number;
  /** Replies that matched no call, or carried the wrong payload. */
  unmatched: number;
}
