import type { FrameKind } from './frames.js';

/** The two endpoints the attackers use. */
export type Endpoint = 'websocket' | 'sockjs';

/** Closes the server must make (after an oversize frame or invalid UTF-8), by endpoint. */
export interface ExpectedCloses {
  /** Server closes seen in time, by close code. */
  observed: Record<string, number>;
  /** Sockets the server should have closed but left open past the deadline (zombies). */
  missing: number;
}

/** Everything the attackers did and saw. */
export interface AttackStats {
  /** Frames written (complete frames; partial frames of mid-frame closes not included). */
  framesSent: number;
  /** Bytes of those frames' payloads. */
  bytesSent: number;
  /** Frames by kind. */
  byKind: Partial<Record<FrameKind | 'handshake' | 'hijack' | 'pingFlood', number>>;
  /** Connections opened, by endpoint and client. */
  connections: { websocket: number; sockjs: number; raw: number };
  /** Connections the server refused or that failed to open. */
  openFailures: number;
  /** How each attack connection ended. */
  endings: Record<string, number>;
  /** Server closes expected after fatal frames, by endpoint. */
  expectedCloses: Record<Endpoint, ExpectedCloses>;
  /** Slow readers flooding big pings: how many, how many the server dropped, bytes each was owed. */
  pingFloods: {
    sockets: number;
    droppedByServer: number;
    leftOpen: number;
    /** Floods during which the server stopped reading (without dropping the socket) for `closeWaitMs`. */
    stalled: number;
    /**
     * Slow readers the server neither dropped nor buffered for: it stopped reading them (backpressure,
     * SockJS's faye does this), so it held no pongs for them; not a finding while memory stays bounded.
     */
    throttled: number;
    owedBytesEach: number;
    leftOpenByEndpoint: Record<string, number>;
  };
  /** Sockets that never sent `connect`: how many the server closed within its handshake timeout. */
  idleHandshakes: {
    sockets: number;
    closedByServer: number;
    leftOpen: number;
    leftOpenByEndpoint: Record<string, number>;
  };
  /** Sessions opened and then dropped without a goodbye (they stay detached for the grace period). */
  sessionsDropped: number;
  /** Bursts of `maxSessions` detached sessions or idle sockets, and whether fresh handshakes got in right after. */
  squats: Record<
    'detached' | 'idle',
    { sockets: number; probesOk: number; probesRefused: Record<string, number> }
  >;
  /** Fresh well-behaved handshakes made during the run: accepted, refused (by close code), timed out. */
  probes: { ok: number; refused: Record<string, number>; timedOut: number };
}

/** Fresh, zeroed stats. */
export function emptyAttackStats(): AttackStats {
  return {
    framesSent: 0,
    bytesSent: 0,
    byKind: {},
    connections: { websocket: 0, sockjs: 0, raw: 0 },
    openFailures: 0,
    endings: {},
    expectedCloses: {
      websocket: { observed: {}, missing: 0 },
      sockjs: { observed: {}, missing: 0 },
    },
    pingFloods: {
      sockets: 0,
      droppedByServer: 0,
      leftOpen: 0,
      stalled: 0,
      throttled: 0,
      owedBytesEach: 0,
      leftOpenByEndpoint: {},
    },
    idleHandshakes: { sockets: 0, closedByServer: 0, leftOpen: 0, leftOpenByEndpoint: {} },
    sessionsDropped: 0,
    probes: { ok: 0, refused: {}, timedOut: 0 },
    squats: {
      detached: { sockets: 0, probesOk: 0, probesRefused: {} },
      idle: { sockets: 0, probesOk: 0, probesRefused: {} },
    },
  };
}

/** Adds one to a counter in a record. */
export function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

/** A small seeded PRNG (mulberry32), so a run's choices repeat with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
