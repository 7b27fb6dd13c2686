import type { FuzzServerConfig } from './childProtocol.js';

/** How hard and how long to attack. Every field has a default in {@link profileFor}. */
export interface FuzzProfile {
  /** Hostile frames to send in total (handshakes and ping-flood frames included). */
  frames: number;
  /** Attack connections at once. @default 24 */
  workers: number;
  /** Most frames one attack connection sends before it ends. @default 200 */
  maxFramesPerConnection: number;
  /** How long to wait for a close the server owes (after an oversize frame, an idle handshake). @default 3000 */
  closeWaitMs: number;
  /** Slow readers flooding pings with big ids. @default 2 per 20,000 frames, at most 10 */
  pingFloods: number;
  /** Pings each slow reader sends without reading. @default 400 */
  pingFloodPings: number;
  /** Length of each of their ids. @default 60000 */
  pingIdBytes: number;
  /** How long a slow reader holds before it reads again. @default 1500 */
  floodHoldMs: number;
  /** Interval of the fresh well-behaved handshakes that check the server still admits clients. @default 250 */
  probeIntervalMs: number;
  /** How long the good clients' last calls may take once the attack stops. @default 15000 */
  drainMs: number;
  /** Heap cap of the server process, in MB. @default 256 */
  heapMb: number;
  /** Seed of the frame stream and of every choice. @default 1 */
  seed: number;
  /** The server's limits (small, so that each limit is reached often). */
  server: FuzzServerConfig;
}

/** Server limits of the fuzz run: the defaults, scaled down so each limit is hit many times. */
export const FUZZ_SERVER_CONFIG: FuzzServerConfig = Object.freeze({
  maxPayloadBytes: 64 * 1024,
  maxBufferedBytes: 1024 * 1024,
  maxSessions: 200,
  handshakeTimeoutMs: 2000,
  gracePeriodMs: 3000,
});

/** The profile for a number of frames (1,000,000 for the full run, 20,000 for the test). */
export function profileFor(frames: number, overrides: Partial<FuzzProfile> = {}): FuzzProfile {
  if (!Number.isSafeInteger(frames) || frames < 100) throw new RangeError('frames must be an integer >= 100');
  return {
    frames,
    workers: 24,
    maxFramesPerConnection: 200,
    closeWaitMs: 3000,
    pingFloods: Math.min(10, Math.max(2, Math.round(frames / 10_000))),
    pingFloodPings: 400,
    pingIdBytes: 60_000,
    floodHoldMs: 1500,
    probeIntervalMs: 250,
    drainMs: 15_000,
    heapMb: 256,
    seed: 1,
    server: { ...FUZZ_SERVER_CONFIG },
    ...overrides,
  };
}
