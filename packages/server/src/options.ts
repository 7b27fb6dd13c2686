import { SUPPORTED_DDP_VERSIONS } from '@ddpx/protocol';
import { SERVER_SESSION_DEFAULTS } from '@ddpx/statecharts';
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { SessionStore } from './store.js';

/** Session resumption (Meteor 3.5's grace period, plus ddpx's replay buffer). */
export interface ResumeOptions {
  /** How long a session whose socket dropped without a goodbye waits for its client. 0 turns resumption off. @default 15000 */
  gracePeriodMs?: number;
  /** Recently sent messages kept per session so a resuming client can be sent exactly what it missed. @default 100 */
  replayBufferMessages?: number;
  /** Total bytes of replay buffers over all sessions; a detached session pushing past it is closed (`buffer-overflow`). @default 67108864 (64 MiB) */
  maxTotalReplayBytes?: number;
  /** Completed method results remembered per session, so a re-sent method id is answered from memory. @default 100 */
  methodResultMemory?: number;
  /**
   * Bytes of completed method results (ids and frames) one session may hold; past it the oldest are
   * forgotten (a re-sent id then gets a `result-forgotten` error and is never run again). They count
   * toward `maxTotalReplayBytes` too. @default 1048576 (1 MiB)
   */
  methodResultMemoryBytes?: number;
  /**
   * Resume without a token, as Meteor 3.5 clients do (they cannot send one). Anyone who learns a
   * session id can then take that session over: see docs/security.md before turning it on. @default false
   */
  allowTokenless?: boolean;
}

/** Options of {@link createServer}. Every limit is named here with its default. */
export interface ServerOptions {
  /** Path of the raw WebSocket endpoint (also matched with a trailing slash; query strings kept), or false to switch it off. @default '/websocket' */
  websocketPath?: string | false;
  /** Prefix of the SockJS endpoint, or false to switch it off. @default '/sockjs' */
  sockjsPrefix?: string | false;
  /** Server heartbeat: idle time before it pings (0 disables heartbeats). @default 15000 */
  heartbeatInterval?: number;
  /** Server heartbeat: time to wait for any message after a ping before closing. @default 15000 */
  heartbeatTimeout?: number;
  /** Number of proxies in front of the server, for `clientAddress`. @default parseInt(process.env.HTTP_FORWARDED_COUNT) || 0 */
  forwardedCount?: number;
  /** Time a socket has to send a valid `connect` before it is closed. @default 45000 */
  handshakeTimeoutMs?: number;
  /** Largest inbound frame in bytes; a bigger one closes only that connection with code 1009. @default 1048576 (1 MiB) */
  maxPayloadBytes?: number;
  /** Messages waiting in one session's in-order queue before the session is closed (`queue-overflow`). @default 1000 */
  maxQueuedMessages?: number;
  /**
   * Most concurrent sessions (live or detached). When full, the oldest detached session is evicted
   * (`evicted`) to make room; with none detached, new sockets are refused (1013). @default Infinity
   */
  maxSessions?: number;
  /**
   * Sockets that have not completed the DDP handshake, over all clients. When full, the oldest one is
   * closed (`evicted`, 1013) if it has been idle a second or more, else the new socket is refused (1013),
   * so idle sockets cannot lock real clients out. @default 10000
   */
  maxPendingHandshakes?: number;
  /**
   * Sockets from one client address that have not completed the DDP handshake; more are refused (1013).
   * Only meaningful when `clientAddress` is the real client's (set `forwardedCount` behind proxies):
   * behind an unconfigured proxy every client shares one address. @default Infinity
   */
  maxPendingHandshakesPerAddress?: number;
  /**
   * Inbound messages one connection may send within one second; a connection that sends more is
   * closed (`rate-limited`). Raise it for pipes that pipeline more (benchmarks, server-to-server). @default 100000
   */
  maxMessagesPerSecond?: number;
  /** Deepest JSON nesting accepted in an inbound message; deeper ones get "Bad request". @default 64 */
  maxDepth?: number;
  /** Session resumption settings, or false to turn it off. @default { gracePeriodMs: 15000, replayBufferMessages: 100 } */
  resume?: ResumeOptions | false;
  /** DDP versions the server accepts, most preferred first. @default ['1', 'pre2', 'pre1'] */
  supportedDDPVersions?: readonly string[];
  /** SockJS heartbeat delay (Meteor's value). @default 45000 */
  sockjsHeartbeatDelay?: number;
  /** SockJS disconnect delay for polling transports (Meteor's value). @default 60000 */
  sockjsDisconnectDelay?: number;
  /**
   * Bytes written to one socket but not yet flushed (every outbound frame: data, pongs, errors, replays,
   * on both transports) before that connection is closed as too slow (`slow-consumer`). @default 16777216 (16 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Length of the kernel's queue of pending TCP connections for the http server `listen()` starts
   * (Node's default is 511, too short for thousands of clients reconnecting at once). Linux caps it at
   * `net.core.somaxconn`. Not used by `attach()`: the app listens its own server. @default 4096
   */
  backlog?: number;
  /**
   * An inspector: a ddpx inspector's URL (`ws://127.0.0.1:4000`, see `ddpx inspect`), sent summaries
   * of every session and the full chart of the one it focuses on; or an XState observer attached to
   * every session's machine (e.g. `createWebSocketInspector().inspect`), which makes every session a
   * real XState actor (others hold only their machine's snapshot).
   */
  inspect?: string | ActorOptions<AnyActorLogic>['inspect'];
  /**
   * Where sessions live beyond this process (`redisStore()` from `@ddpx/redis`, or a
   * `MemoryCluster`'s store): a client then resumes on any process that shares it, and a method
   * id is admitted once cluster-wide. Without one, everything stays in this process's memory, as
   * before, and nothing on the hot path changes. @default undefined (this process only)
   */
  store?: SessionStore;
  /**
   * The clock every chart's delays run on (handshake timeout, heartbeat, grace period, drain pacing):
   * XState's `Clock`, e.g. a `SimulatedClock` in tests. @default the real timers (`setTimeout`)
   */
  clock?: ActorOptions<AnyActorLogic>['clock'];
}

/** Options with every default applied. */
export interface ResolvedOptions {
  websocketPath: string | false;
  sockjsPrefix: string | false;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  forwardedCount: number;
  handshakeTimeoutMs: number;
  maxPayloadBytes: number;
  maxQueuedMessages: number;
  maxSessions: number;
  maxPendingHandshakes: number;
  maxPendingHandshakesPerAddress: number;
  maxMessagesPerSecond: number;
  maxDepth: number;
  resume: Required<ResumeOptions>;
  supportedDDPVersions: readonly string[];
  sockjsHeartbeatDelay: number;
  sockjsDisconnectDelay: number;
  maxBufferedBytes: number;
  backlog: number;
  inspect: string | ActorOptions<AnyActorLogic>['inspect'] | undefined;
  store: SessionStore | undefined;
  clock: ActorOptions<AnyActorLogic>['clock'];
}

/** The defaults of {@link ServerOptions}, as one frozen object. */
export const SERVER_DEFAULTS = Object.freeze({
  websocketPath: '/websocket',
  sockjsPrefix: '/sockjs',
  // The session chart's own defaults (Meteor's): one source.
  heartbeatInterval: SERVER_SESSION_DEFAULTS.heartbeatInterval,
  heartbeatTimeout: SERVER_SESSION_DEFAULTS.heartbeatTimeout,
  handshakeTimeoutMs: SERVER_SESSION_DEFAULTS.handshakeTimeoutMs,
  maxPayloadBytes: 1024 * 1024,
  maxQueuedMessages: 1000,
  maxSessions: Number.POSITIVE_INFINITY,
  maxPendingHandshakes: 10_000,
  maxPendingHandshakesPerAddress: Number.POSITIVE_INFINITY,
  maxMessagesPerSecond: 100_000,
  maxDepth: 64,
  gracePeriodMs: SERVER_SESSION_DEFAULTS.gracePeriodMs,
  replayBufferMessages: 100,
  maxTotalReplayBytes: 64 * 1024 * 1024,
  methodResultMemory: 100,
  methodResultMemoryBytes: 1024 * 1024,
  sockjsHeartbeatDelay: 45_000,
  sockjsDisconnectDelay: 60_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  backlog: 4096,
} as const);

/** Meteor's rule: `parseInt(HTTP_FORWARDED_COUNT) || 0`, so invalid, empty and negative-looking junk give 0. */
export function forwardedCountFromEnv(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 0;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = nonNegative(name, value, fallback);
  if (v === 0) throw new RangeError(`${name} must be positive`);
  return v;
}

function path(name: string, value: string | false | undefined, fallback: string): string | false {
  if (value === false) return false;
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !value.startsWith('/')) throw new TypeError(`${name} must start with '/'`);
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

function backlog(value: number | undefined, fallback: number): number {
  const v = positive('backlog', value, fallback);
  if (!Number.isSafeInteger(v)) throw new RangeError(`backlog must be an integer, got ${String(v)}`);
  return v;
}

function clock(value: ServerOptions['clock']): ServerOptions['clock'] {
  if (value === undefined) return undefined;
  if (typeof value?.setTimeout !== 'function' || typeof value.clearTimeout !== 'function')
    throw new TypeError('clock must have setTimeout and clearTimeout (an XState Clock)');
  return value;
}

/** Applies defaults and checks every option; misuse throws TypeError/RangeError at once. */
export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const d = SERVER_DEFAULTS;
  const resume: ResumeOptions = options.resume === false ? { gracePeriodMs: 0 } : (options.resume ?? {});
  const versions = options.supportedDDPVersions ?? SUPPORTED_DDP_VERSIONS;
  if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v) => typeof v === 'string')) {
    throw new TypeError('supportedDDPVersions must be a non-empty array of strings');
  }
  return {
    websocketPath: path('websocketPath', options.websocketPath, d.websocketPath),
    sockjsPrefix: path('sockjsPrefix', options.sockjsPrefix, d.sockjsPrefix),
    heartbeatInterval: nonNegative('heartbeatInterval', options.heartbeatInterval, d.heartbeatInterval),
    heartbeatTimeout: positive('heartbeatTimeout', options.heartbeatTimeout, d.heartbeatTimeout),
    forwardedCount:
      options.forwardedCount !== undefined
        ? Math.trunc(options.forwardedCount) || 0
        : forwardedCountFromEnv(process.env.HTTP_FORWARDED_COUNT),
    handshakeTimeoutMs: positive('handshakeTimeoutMs', options.handshakeTimeoutMs, d.handshakeTimeoutMs),
    maxPayloadBytes: positive('maxPayloadBytes', options.maxPayloadBytes, d.maxPayloadBytes),
    maxQueuedMessages: nonNegative('maxQueuedMessages', options.maxQueuedMessages, d.maxQueuedMessages),
    maxSessions: nonNegative('maxSessions', options.maxSessions, d.maxSessions),
    maxPendingHandshakes: positive(
      'maxPendingHandshakes',
      options.maxPendingHandshakes,
      d.maxPendingHandshakes,
    ),
    maxPendingHandshakesPerAddress: positive(
      'maxPendingHandshakesPerAddress',
      options.maxPendingHandshakesPerAddress,
      d.maxPendingHandshakesPerAddress,
    ),
    maxMessagesPerSecond: positive(
      'maxMessagesPerSecond',
      options.maxMessagesPerSecond,
      d.maxMessagesPerSecond,
    ),
    maxDepth: nonNegative('maxDepth', options.maxDepth, d.maxDepth),
    resume: {
      gracePeriodMs: nonNegative('resume.gracePeriodMs', resume.gracePeriodMs, d.gracePeriodMs),
      replayBufferMessages: nonNegative(
        'resume.replayBufferMessages',
        resume.replayBufferMessages,
        d.replayBufferMessages,
      ),
      maxTotalReplayBytes: nonNegative(
        'resume.maxTotalReplayBytes',
        resume.maxTotalReplayBytes,
        d.maxTotalReplayBytes,
      ),
      methodResultMemory: nonNegative(
        'resume.methodResultMemory',
        resume.methodResultMemory,
        d.methodResultMemory,
      ),
      methodResultMemoryBytes: nonNegative(
        'resume.methodResultMemoryBytes',
        resume.methodResultMemoryBytes,
        d.methodResultMemoryBytes,
      ),
      allowTokenless: resume.allowTokenless === true,
    },
    supportedDDPVersions: [...versions],
    sockjsHeartbeatDelay: nonNegative(
      'sockjsHeartbeatDelay',
      options.sockjsHeartbeatDelay,
      d.sockjsHeartbeatDelay,
    ),
    sockjsDisconnectDelay: nonNegative(
      'sockjsDisconnectDelay',
      options.sockjsDisconnectDelay,
      d.sockjsDisconnectDelay,
    ),
    maxBufferedBytes: nonNegative('maxBufferedBytes', options.maxBufferedBytes, d.maxBufferedBytes),
    backlog: backlog(options.backlog, d.backlog),
    inspect: options.inspect,
    store: options.store,
    clock: clock(options.clock),
  };
}
