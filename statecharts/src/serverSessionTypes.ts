/** Every reason a server session can end with, as one const tuple (its type is {@link CloseReason}). */
export const CLOSE_REASONS = Object.freeze([
  'handshake-timeout',
  'version-mismatch',
  'heartbeat-timeout',
  'client-disconnect',
  'socket-closed',
  'grace-expired',
  'buffer-overflow',
  'superseded',
  'slow-consumer',
  'server-close',
  'connection-close',
  'payload-too-large',
  'queue-overflow',
  'protocol-error',
  'rate-limited',
  'evicted',
  'server-full',
  'moved',
] as const);

/** Why a server session ended: one closed union, carried by every path to `closed`. */
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** The reasons an `ABORT` from the server's socket and queue layer carries. */
export type AbortReason = Extract<
  CloseReason,
  'payload-too-large' | 'queue-overflow' | 'protocol-error' | 'slow-consumer' | 'rate-limited' | 'evicted'
>;

/**
 * Why the server started a new session for a `connect` that named one: resumption is off, no session it
 * may resume has that id (or the token was wrong), no `receivedCount`, a count the replay buffer no
 * longer covers, or a shared session store that could not be reached.
 */
export type ResumeRefusal =
  | 'resume-disabled'
  | 'unknown-session'
  | 'no-received-count'
  | 'count-outside-buffer'
  /** A shared session store (another process may hold the session) could not be reached. */
  | 'store-unavailable';

/** The server's resume decision for one `connect`: `resumed` (a detached session takes the socket), or why not. */
export type ResumeVerdict = 'resumed' | ResumeRefusal;

/**
 * The fields of the client's `connect` message the session machine reads (unvalidated), and the
 * server's resume decision for it, taken before the chart sees the `connect` (never the secret token).
 */
export interface ConnectRequest {
  readonly version: unknown;
  readonly support: unknown;
  readonly session?: string | undefined;
  readonly receivedCount?: number | undefined;
  /** The resume decision: absent for a `connect` that named no session. */
  readonly resume?: ResumeVerdict | undefined;
}

/** Input of {@link serverSessionMachine}; everything defaults to Meteor's server values. */
export interface ServerSessionInput {
  /** The session id the server assigned (17 characters of Meteor's alphabet). */
  sessionId?: string;
  /** DDP versions the server speaks, most preferred first. @default ['1', 'pre2', 'pre1'] */
  supportedVersions?: readonly string[];
  /** Time allowed between socket open and a valid `connect`, in ms. @default 45000 */
  handshakeTimeoutMs?: number;
  /** Server heartbeat interval in ms; 0 disables heartbeats. @default 15000 */
  heartbeatInterval?: number;
  /** Server heartbeat timeout in ms. @default 15000 */
  heartbeatTimeout?: number;
  /** Resume grace period in ms after an unexpected socket loss; 0 disables resumption. @default 15000 */
  gracePeriodMs?: number;
}

/** Context of {@link serverSessionMachine}. */
export interface ServerSessionContext {
  sessionId: string | undefined;
  supportedVersions: readonly string[];
  handshakeTimeoutMs: number;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  gracePeriodMs: number;
  /** The last `connect` received (set in `awaitingConnect`). */
  connectRequest: ConnectRequest | undefined;
  /** The negotiated version, once established. */
  version: string | undefined;
  /** The version the server computed (what `failed` carries on a mismatch). */
  calculatedVersion: string | undefined;
  /** Set exactly when the machine reaches `closed`. */
  closeReason: CloseReason | undefined;
  /** When a drain closed the session: "come back in this many ms", sent to the client with the close. */
  retryInMs: number | undefined;
  inboundSinceTick: boolean;
}

/** Events the server sends to {@link serverSessionMachine}. */
export type ServerSessionEvent =
  | ({ type: 'DDP.CONNECT' } & ConnectRequest)
  | { type: 'DDP.ACTIVITY' }
  | { type: 'DISCONNECT' }
  | { type: 'SOCKET.CLOSED'; code?: number; reason?: string }
  /** The server dropped a half-open socket the client has already replaced with a resuming one. */
  | { type: 'SOCKET.REPLACED' }
  /** A `connect` resumed this detached session on a new socket; the client has every message up to `receivedCount`. */
  | { type: 'RESUME'; receivedCount: number }
  | { type: 'BUFFER.OVERFLOW' }
  /** A new `connect` named this detached session but could not resume it. */
  | { type: 'SUPERSEDED' }
  /** The server is full and this detached session is the oldest: it ends to make room (`evicted`). */
  | { type: 'EVICT' }
  | { type: 'CLOSE' }
  /** The server closes (drains); `retryInMs`: when the client should come back (a hint it may honour). */
  | { type: 'SERVER.CLOSE'; retryInMs?: number }
  /**
   * The session goes on elsewhere (a shared store): another process took it over, or this one drains
   * and hands it to whichever process its client reaches next. It ends here without running onClose.
   */
  | { type: 'MOVED'; retryInMs?: number }
  | { type: 'ABORT'; reason: AbortReason };

/** The machine's output once `closed` (or `handedOff`, with no reason). */
export interface ServerSessionOutput {
  readonly closeReason: CloseReason | undefined;
}

/** Effects the server binds with `.provide()`; each has a no-op (or Meteor-faithful) default. */
export const SERVER_SESSION_EFFECTS = Object.freeze({
  actions: [
    'sendFailed',
    'closeSocket',
    'emitConnection',
    'emitDetach',
    'emitResume',
    'emitClose',
    'startBuffering',
    'flushBuffer',
    'dropBuffer',
    'handOffSocket',
    'sendPing',
  ] as const,
  actors: [] as const,
  guards: ['serverFull'] as const,
  delays: ['handshakeTimeout', 'heartbeatInterval', 'heartbeatTimeout', 'gracePeriod'] as const,
});

/** Names of the server session machine's bindable actions. */
export type ServerSessionActionName = (typeof SERVER_SESSION_EFFECTS.actions)[number];
/** The server session machine's bindable action names. */
export const serverSessionActionNames: readonly ServerSessionActionName[] = SERVER_SESSION_EFFECTS.actions;
