import type { ErrorCode } from '@ddpx/protocol';
import type { BackoffFunction, BackoffOptions } from './backoff.js';

/** Meteor's status values (`ddp-behaviour.md` §2). */
export type ClientStatusValue = 'connecting' | 'connected' | 'waiting' | 'failed' | 'offline';

/** The status object `connection.status()` returns: a new frozen object per change (§2.1). */
export interface ClientStatus {
  /** The transport is open (true before DDP `connected` arrives). */
  readonly connected: boolean;
  readonly status: ClientStatusValue;
  /** Reconnection attempts since the last successful transport open. */
  readonly retryCount: number;
  /** Only while `waiting`: epoch ms of the next attempt (`now() + delay`). */
  readonly retryTime?: number;
  /** Only in a permanent `failed` that carries an error text (version negotiation). */
  readonly reason?: string;
}

/** How the last DDP `connected` related to the previous session. */
export type ResumeOutcome = 'first-session' | 'resumed' | 'new-session';

/** Why the last transport went away (kept in context for the client's error reporting). */
export interface ConnectionLoss {
  readonly code: Extract<
    ErrorCode,
    | 'DDP_CONNECTION_LOST'
    | 'DDP_CONNECT_TIMEOUT'
    | 'DDP_HEARTBEAT_TIMEOUT'
    | 'DDP_FORCED_RECONNECT'
    | 'DDP_VERSION_NEGOTIATION_FAILED'
    | 'DDP_CONNECTION_CLOSED'
  >;
  /** WebSocket close code, for `TRANSPORT.CLOSED`. */
  readonly closeCode?: number;
  /** WebSocket close reason, for `TRANSPORT.CLOSED`. */
  readonly closeReason?: string;
  /** The error, for `TRANSPORT.ERROR`. */
  readonly error?: unknown;
  /** The server's "come back in this many ms" hint from the close (a draining ddpx server sends one). */
  readonly retryInMs?: number;
}

/** Input of {@link clientConnectionMachine}. Only `url` is needed; the rest default to Meteor's values. */
export interface ClientConnectionInput {
  /** The endpoint the transport opens (the client has already translated it, §6.2). */
  url: string;
  /** Retry after a lost transport; `false` makes a loss end in non-permanent `failed`. @default true */
  retry?: boolean;
  /** Open the transport at start; `false` starts `offline` until `RECONNECT`. @default true */
  autoConnect?: boolean;
  /** Offer the last session id in `connect` (session resumption); `false` always starts a new one. @default true */
  resume?: boolean;
  /** Connect timeout in ms (must be positive). @default 10000 */
  connectTimeoutMs?: number;
  /** Client heartbeat interval in ms; 0 disables heartbeats. @default 17500 */
  heartbeatInterval?: number;
  /** Client heartbeat timeout in ms. @default 15000 */
  heartbeatTimeout?: number;
  /** DDP versions, most preferred first. @default ['1', 'pre2', 'pre1'] */
  supportedVersions?: readonly string[];
  /** Backoff options or a custom delay rule. @default Meteor's (see `backoff`) */
  backoff?: BackoffOptions | BackoffFunction;
  /**
   * Longest server retry hint honoured, ms: a close that says "come back in N ms" waits
   * `min(N, maxRetryHintMs)` instead of the backoff; 0 ignores hints. @default 300000
   */
  maxRetryHintMs?: number;
  /** Session id to offer in the first `connect` (resumption across page loads). */
  session?: string;
  /** Current epoch time in ms. The client passes `Date.now`. @default () => 0 */
  now?: () => number;
  /** Uniform random in [0, 1). The client passes `Math.random`. @default a seeded PRNG */
  random?: () => number;
  /**
   * Whether any reconnect hook is registered now; with none, `replay` goes straight to
   * `replayingMethods` without invoking the `reconnectHooks` actor. @default () => true
   */
  hasReconnectHooks?: () => boolean;
}

/**
 * What a connection is configured with: fixed for its lifetime, kept in one object so the context
 * stays small (xstate copies the whole context on every `assign`, and V8 keeps a copy of an object with
 * about 20 or more properties in slow dictionary mode).
 */
export interface ClientConnectionConfig {
  readonly retry: boolean;
  readonly autoConnect: boolean;
  readonly resume: boolean;
  readonly connectTimeoutMs: number;
  readonly heartbeatInterval: number;
  readonly heartbeatTimeout: number;
  readonly supportedVersions: readonly string[];
  /** Longest server retry hint honoured, ms (0: hints ignored). */
  readonly maxRetryHintMs: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly hasReconnectHooks: () => boolean;
  readonly retryDelayFor: BackoffFunction;
}

/** Context of {@link clientConnectionMachine}. Read it from the snapshot; never mutate it. */
export interface ClientConnectionContext {
  url: string;
  /** The connection's fixed configuration (from input, with defaults). */
  config: ClientConnectionConfig;
  retryCount: number;
  /** Delay chosen on entering `waiting` (read by the `backoff` delay). */
  retryDelay: number;
  retryTime: number | undefined;
  /** Permanent failure text (version negotiation). */
  reason: string | undefined;
  /** The version the next `connect` proposes, once one was proposed or suggested by the server. */
  versionSuggestion: string | undefined;
  /** The negotiated version, once a `connected` arrived. */
  version: string | undefined;
  /** The last session id received (sent as `session` in `connect`). */
  session: string | undefined;
  /** The session id the current handshake offers (set entering `connected`; none with `resume: false`). */
  offeredSession: string | undefined;
  lastResume: ResumeOutcome | undefined;
  /**
   * Why the last handshake resumed or not: the server's reason when it gave one, else the outcome, or
   * `not-requested` for a new session when none was offered.
   */
  resumeReason: string | undefined;
  lastLoss: ConnectionLoss | undefined;
  /** An inbound message arrived since the last heartbeat tick. */
  inboundSinceTick: boolean;
  /**
   * A new session's store reset is still waiting for quiescence (set entering `quiescing`, cleared by
   * `QUIESCENCE.REACHED`). It survives a lost transport, so resuming that session goes back to `quiescing`.
   */
  quiescencePending: boolean;
  /** `now()` when the current connection attempt began (the transport started opening). */
  attemptStartedAt: number;
}

/** What the `transport` actor is started with. */
export interface TransportActorInput {
  /** The endpoint to open (`context.url` when `linked` was entered). */
  readonly url: string;
}

/** Events the client sends to {@link clientConnectionMachine}. */
export type ClientConnectionEvent =
  | { type: 'TRANSPORT.OPEN' }
  /** `retryInMs`: the server's hint from the close reason (`parseRetryHint` of `@ddpx/protocol`). */
  | { type: 'TRANSPORT.CLOSED'; code?: number; reason?: string; retryInMs?: number }
  | { type: 'TRANSPORT.ERROR'; error?: unknown }
  | { type: 'DDP.CONNECTED'; session: string; resumeReason?: string }
  | { type: 'DDP.FAILED'; version: string }
  | { type: 'DDP.ACTIVITY' }
  | { type: 'QUIESCENCE.REACHED' }
  | { type: 'RECONNECT'; url?: string; force?: boolean }
  | { type: 'DISCONNECT' }
  | { type: 'CLOSE' }
  | { type: 'NETWORK.ONLINE' }
  | { type: 'NETWORK.OFFLINE' }
  | { type: 'PAGE.VISIBLE' };

/** Effects the client binds with `.provide()`; each has a no-op default. */
export const CLIENT_CONNECTION_EFFECTS = Object.freeze({
  actions: [
    'sendConnect',
    'beginReconnectHooks',
    'replayMethods',
    'resendSubscriptions',
    'sessionStarted',
    'beginQuiescence',
    'sessionResumed',
    'sendPing',
    'sendGoodbye',
    'notifyNegotiationFailure',
    'failOutstanding',
    'reportHookError',
  ] as const,
  actors: ['transport', 'reconnectHooks'] as const,
  guards: ['inboundSinceTick'] as const,
  delays: ['connectTimeout', 'backoff', 'heartbeatInterval', 'heartbeatTimeout'] as const,
});

/** Names of the client machine's bindable actions. */
export type ClientConnectionActionName = (typeof CLIENT_CONNECTION_EFFECTS.actions)[number];
/** The client machine's bindable action names (for checking a binding is complete). */
export const clientConnectionActionNames: readonly ClientConnectionActionName[] =
  CLIENT_CONNECTION_EFFECTS.actions;
