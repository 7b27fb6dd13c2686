import { type BackoffFunction, type BackoffOptions, CLIENT_CONNECTION_DEFAULTS } from '@ddpx/statecharts';
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { InspectTarget } from './inspectorLink.js';
import type { TransportFactory } from './transport.js';
import type { WebSocketConstructor } from './websocketTransport.js';

/** The timer source the machine uses (XState's `Clock`; a `SimulatedClock` fits). */
export type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/** Where the client reports what it refused or could not handle; never thrown into the app. */
export interface Logger {
  /** Bad input from the server and other recoverable problems. */
  warn(message: string, detail?: unknown): void;
  /** Problems worth a look (a hook or callback threw). */
  error(message: string, detail?: unknown): void;
}

/** Options of `connect(url, options)`. Names follow Meteor's `DDP.connect` where one exists. */
export interface ConnectOptions {
  /** `'websocket'`, `'sockjs'` (sockjs-client), or a transport factory (tests, custom transports). @default 'websocket' */
  transport?: 'websocket' | 'sockjs' | TransportFactory;
  /** The WebSocket constructor. @default `ws` in Node, the global `WebSocket` elsewhere */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a lost connection; `false` ends in a non-permanent `failed`. @default true */
  retry?: boolean;
  /** Backoff options or a `(attempt, random) => ms` rule. @default Meteor's (10 ms, 10 ms, then 1 s × 2.2^n ±25 %, cap 300 s) */
  backoff?: BackoffOptions | BackoffFunction;
  /**
   * A draining ddpx server says when to come back (a hint in its close reason): wait that long instead
   * of the backoff, up to this many ms; 0 ignores hints. @default 300000
   */
  maxRetryHintMs?: number;
  /** How long a transport may take to open. @default 10000 */
  connectTimeoutMs?: number;
  /** Client heartbeat: ping after this long without inbound messages; 0 disables. @default 17500 */
  heartbeatInterval?: number;
  /** Client heartbeat: drop the connection when nothing arrives this long after a ping. @default 15000 */
  heartbeatTimeout?: number;
  /** Answer the server's pings. @default true */
  respondToPings?: boolean;
  /** DDP versions to offer, most preferred first. @default ['1', 'pre2', 'pre1'] */
  supportedDDPVersions?: readonly string[];
  /** Called when the server and client share no DDP version (the status is already `failed`). @default logs */
  onDDPVersionNegotiationFailure?: (description: string) => void;
  /** Alias of `onDDPVersionNegotiationFailure` (the spelling Meteor's docs use). */
  onDDPNegotiationVersionFailure?: (description: string) => void;
  /** Extra HTTP headers on the WebSocket handshake (Node only). @default {} */
  headers?: Record<string, string>;
  /**
   * WebSocket transport in Node (`ws`): frames sent in one tick leave in one write; a batch of this many
   * frames is written at once. 1 writes every frame on its own. @default 32
   */
  maxBatchFrames?: number;
  /** Options passed to sockjs-client (merged over Meteor's transport whitelist). @default {} */
  sockjsOptions?: Record<string, unknown>;
  /** Report "ready to reload" even while methods are outstanding. @default false */
  reloadWithOutstanding?: boolean;
  /** Connect at once; `false` starts `offline` until `reconnect()`. @default true */
  autoConnect?: boolean;
  /** Ask the server to resume the session (Meteor 3.5 `session` + `receivedCount`). @default true */
  resume?: boolean;
  /** A session id to try to resume on the first connect (e.g. saved across a page load). */
  resumeSession?: string;
  /** The secret `connection.resumeToken` of `resumeSession` (a ddpx server resumes only with it). */
  resumeToken?: string;
  /**
   * An inspector: a ddpx inspector's URL (`ws://127.0.0.1:4000`, see `ddpx inspect`), or an XState
   * observer or function (e.g. `createBrowserInspector().inspect`) passed to `createActor`.
   */
  inspect?: InspectTarget;
  /** The clock the machine's timers use (a `SimulatedClock` in tests). @default the real clock */
  clock?: Clock;
  /** Current epoch ms, for `retryTime`. @default clock.now when a SimulatedClock is given, else Date.now */
  now?: () => number;
  /** Uniform random in [0, 1), for backoff jitter and top-level `randomSeed`s. @default Math.random */
  random?: () => number;
  /** Where bad input and callback errors are reported. @default console (warn/error) */
  logger?: Logger;
  /**
   * Largest inbound frame: over `ws` a larger one closes the socket (1009) before it is buffered;
   * over other transports a longer frame is dropped (logged and counted). @default 16777216 (16 MiB)
   */
  maxPayloadBytes?: number;
  /** Older name of the same cap in characters; the smaller of the two applies. @default maxPayloadBytes */
  maxMessageLength?: number;
  /**
   * Bytes of outbound frames waiting to be sent past which the client stops answering the server's
   * pings (each unanswered ping is counted as `unanswered-ping`), so a server that floods pings and
   * never reads cannot make the client hold their pongs. @default 16777216 (16 MiB)
   */
  maxBufferedBytes?: number;
  /** Bad input is always counted; it is logged at most once per kind per this many ms. @default 10000 */
  badInputLogIntervalMs?: number;
  /** Nesting deeper than this is refused (logged and counted). @default 64 */
  maxMessageDepth?: number;
  /** Where a site-relative URL ('/') points. @default the page origin, else `process.env.ROOT_URL` */
  rootUrl?: string;
}

/**
 * Defaults of {@link ConnectOptions} that are plain values. The lifecycle ones (`retry`, `autoConnect`,
 * `resume`, `connectTimeoutMs`, the heartbeat) are the chart's own `CLIENT_CONNECTION_DEFAULTS`, read
 * from there so the two cannot drift.
 */
export const CONNECT_DEFAULTS = Object.freeze({
  transport: 'websocket' as const,
  retry: CLIENT_CONNECTION_DEFAULTS.retry,
  connectTimeoutMs: CLIENT_CONNECTION_DEFAULTS.connectTimeoutMs,
  heartbeatInterval: CLIENT_CONNECTION_DEFAULTS.heartbeatInterval,
  heartbeatTimeout: CLIENT_CONNECTION_DEFAULTS.heartbeatTimeout,
  respondToPings: true,
  reloadWithOutstanding: false,
  autoConnect: CLIENT_CONNECTION_DEFAULTS.autoConnect,
  resume: CLIENT_CONNECTION_DEFAULTS.resume,
  maxRetryHintMs: CLIENT_CONNECTION_DEFAULTS.maxRetryHintMs,
  maxPayloadBytes: 16 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  badInputLogIntervalMs: 10_000,
  maxMessageDepth: 64,
});

/** The default logger: `console.warn` / `console.error` with a `[ddpx]` prefix. */
export const consoleLogger: Logger = {
  warn: (message, detail) => console.warn(`[ddpx] ${message}`, ...(detail === undefined ? [] : [detail])),
  error: (message, detail) => console.error(`[ddpx] ${message}`, ...(detail === undefined ? [] : [detail])),
};
