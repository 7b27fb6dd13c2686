/** The Redis hash counting every run of every method key, cluster-wide. */
export const RUNS_KEY = 'bench:runs';

/** How the parent configures one ddpx process of the rolling restart. */
export interface ClusterServerConfig {
  /** Where Redis listens. */
  redisUrl: string;
  /** The process's name in the report (A, B, C, A′ …); its store process id is `<name>-<pid>`. */
  name: string;
  /** `server.close({ drainMs })` on SIGTERM. */
  drainMs: number;
}

/** What a draining process says just before it exits. */
export interface DrainedReport {
  /** CPU the process used over its whole life (user + system), µs. */
  cpuUs: number;
  /** ms from SIGTERM until `server.close()` resolved. */
  drainMs: number;
  /** Store failures the server absorbed over its life (`error` events), by `context: message`. */
  errors: Record<string, number>;
}

/** One client's loss and recovery: it lost its process at `lostAt` and was back (same session, new process) at `at`. */
export interface Recovery {
  lostAt: number;
  at: number;
  /** The handshake said `resumed` and the session id is the one the client started with. */
  sameSession: boolean;
}

/** A rolling-restart client worker's final report. */
export interface RollingClientReport {
  clients: number;
  /** Clients whose session id never changed and whose every handshake after the first resumed. */
  sameSession: number;
  /** Method keys called, and those answered. */
  called: string[];
  resolved: string[];
  /** Calls that failed with an error. */
  rejected: number;
}
