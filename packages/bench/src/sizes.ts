import type { FanoutSize } from './benches/fanout.js';
import type { MemorySize } from './benches/memory.js';
import type { RollingSize } from './benches/rollingRestart.js';
import type { RoundTripSize } from './benches/roundTrip.js';
import type { StormSize } from './benches/storm.js';

/** Every benchmark's size for one run. */
export interface BenchSize {
  name: 'full' | 'smoke';
  roundTrip: RoundTripSize;
  /** The same, servers and clients pinned to separate CPUs (the harness's setup). */
  roundTripPinned: RoundTripSize;
  fanout: FanoutSize;
  memory: MemorySize;
  storm: StormSize;
  /** Run the four storms at once (smoke only: keeps it short). */
  stormsInParallel: boolean;
  /** Status transitions measured for the client CPU cost. */
  transitions: number;
  /** ddpx round trips with the in-memory and the Redis session store (skipped without `redis-server`). */
  redisRoundTrip: RoundTripSize;
  /** The rolling restart of 3 processes on one Redis (skipped without `redis-server`). */
  rolling: RollingSize;
}

/** The contenders of the pinned round trips (SockJS left out: it explains nothing more there). */
const PINNED_CONTENDERS = ['ws', 'ddpx', 'socketio', 'naive'] as const;

/**
 * The full run. 19,500 rather than 20,000 idle connections: the server process holds one descriptor
 * per socket and this container's hard `ulimit -n` is 20,000 (it cannot be raised without privileges).
 */
export const FULL: BenchSize = {
  name: 'full',
  roundTrip: { runs: 3, warmupMs: 1000, durationMs: 3000, inflights: [1, 256] },
  roundTripPinned: {
    runs: 3,
    warmupMs: 500,
    durationMs: 2000,
    inflights: [1, 256],
    pinned: true,
    contenders: PINNED_CONTENDERS,
  },
  fanout: { subscribers: 5000, changes: 20, topics: 50, perTopic: 100, runs: 3, workers: 2 },
  memory: { counts: [5000, 19_500], workers: 4, settleMs: 1500 },
  storm: {
    clients: 5000,
    workers: 2,
    timeoutMs: 45_000,
    drain: { clients: 10_000, drainMs: 4000, afterMs: 2000, windowMs: 5000 },
  },
  stormsInParallel: false,
  transitions: 5000,
  redisRoundTrip: { runs: 3, warmupMs: 1000, durationMs: 3000, inflights: [1, 256] },
  rolling: { clients: 5000, workers: 2, thinkMs: 10_000, drainMs: 1000, settleMs: 2000, timeoutMs: 60_000 },
};

/** The smoke size CI runs: every benchmark, tiny, a few seconds each. */
export const SMOKE: BenchSize = {
  name: 'smoke',
  roundTrip: { runs: 1, warmupMs: 100, durationMs: 300, inflights: [1, 256] },
  roundTripPinned: {
    runs: 1,
    warmupMs: 100,
    durationMs: 300,
    inflights: [1, 256],
    pinned: true,
    contenders: PINNED_CONTENDERS,
  },
  fanout: { subscribers: 60, changes: 3, topics: 5, perTopic: 6, runs: 1, workers: 2 },
  memory: { counts: [50, 100], workers: 2, settleMs: 100 },
  storm: {
    clients: 40,
    workers: 2,
    timeoutMs: 20_000,
    drain: { clients: 40, drainMs: 100, afterMs: 1500, windowMs: 200 },
  },
  stormsInParallel: true,
  transitions: 300,
  redisRoundTrip: { runs: 1, warmupMs: 100, durationMs: 300, inflights: [1, 256] },
  rolling: { clients: 30, workers: 2, thinkMs: 100, drainMs: 200, settleMs: 200, timeoutMs: 20_000 },
};
