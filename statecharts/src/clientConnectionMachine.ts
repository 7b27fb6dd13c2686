import { SUPPORTED_DDP_VERSIONS } from '@ddpx/protocol';
import { assign, type EventObject, fromCallback, fromPromise, not, setup, stateIn } from 'xstate';
import { resolveBackoff, seededRandom } from './backoff.js';
import type {
  ClientConnectionConfig,
  ClientConnectionContext,
  ClientConnectionEvent,
  ClientConnectionInput,
  ConnectionLoss,
  TransportActorInput,
} from './clientConnectionTypes.js';
import { heartbeatStates } from './heartbeat.js';

/** Meteor's client heartbeat and transport defaults (§3.2, §3.3). */
export const CLIENT_CONNECTION_DEFAULTS = Object.freeze({
  retry: true,
  autoConnect: true,
  resume: true,
  connectTimeoutMs: 10_000,
  heartbeatInterval: 17_500,
  heartbeatTimeout: 15_000,
  maxRetryHintMs: 300_000,
  supportedVersions: SUPPORTED_DDP_VERSIONS as readonly string[],
});

const alwaysTrue = () => true;
/** `connected.resumeReason` of a session another server process rebuilt (same id, subscriptions re-run). */
const REBUILT = 'rebuilt';

/** Builds the initial context from input, validating it (misuse throws at once). */
export function createClientConnectionContext(input: ClientConnectionInput): ClientConnectionContext {
  const d = CLIENT_CONNECTION_DEFAULTS;
  const connectTimeoutMs = input.connectTimeoutMs ?? d.connectTimeoutMs;
  if (!(connectTimeoutMs > 0))
    throw new RangeError(`connectTimeoutMs must be positive, got ${connectTimeoutMs}`);
  const heartbeatInterval = input.heartbeatInterval ?? d.heartbeatInterval;
  const heartbeatTimeout = input.heartbeatTimeout ?? d.heartbeatTimeout;
  if (!(heartbeatInterval >= 0))
    throw new RangeError(`heartbeatInterval must be >= 0, got ${heartbeatInterval}`);
  if (!(heartbeatTimeout > 0))
    throw new RangeError(`heartbeatTimeout must be positive, got ${heartbeatTimeout}`);
  const maxRetryHintMs = input.maxRetryHintMs ?? d.maxRetryHintMs;
  if (!(maxRetryHintMs >= 0)) throw new RangeError(`maxRetryHintMs must be >= 0, got ${maxRetryHintMs}`);
  const supportedVersions = input.supportedVersions ?? d.supportedVersions;
  if (supportedVersions.length === 0)
    throw new RangeError('supportedVersions must name at least one version');
  const config: ClientConnectionConfig = Object.freeze({
    retry: input.retry ?? d.retry,
    autoConnect: input.autoConnect ?? d.autoConnect,
    resume: input.resume ?? d.resume,
    connectTimeoutMs,
    heartbeatInterval,
    heartbeatTimeout,
    supportedVersions,
    maxRetryHintMs,
    now: input.now ?? (() => 0),
    random: input.random ?? seededRandom(),
    hasReconnectHooks: input.hasReconnectHooks ?? alwaysTrue,
    retryDelayFor: resolveBackoff(input.backoff),
  });
  return {
    url: input.url,
    config,
    retryCount: 0,
    retryDelay: 0,
    retryTime: undefined,
    reason: undefined,
    versionSuggestion: undefined,
    version: undefined,
    session: input.session,
    offeredSession: undefined,
    lastResume: undefined,
    resumeReason: undefined,
    lastLoss: undefined,
    inboundSinceTick: false,
    quiescencePending: false,
    attemptStartedAt: 0,
  };
}

/** The text Meteor puts in `status().reason` after a failed negotiation. */
export function negotiationFailureReason(version: string): string {
  return `DDP version negotiation failed; server requested version ${version}`;
}

const noop = () => {};
type LossCode = ConnectionLoss['code'];

/** "Transport lost": `waiting` when retrying, else non-permanent `failed` (§2.1). Leaving `linked` closes it. */
function lost(code: LossCode) {
  const actions = [{ type: 'recordLoss' as const, params: { code } }];
  return [
    { guard: 'shouldRetry' as const, target: '#ddpClient.waiting', actions },
    { target: '#ddpClient.failed.retryable', actions },
  ];
}

/** A transport `close`/`error` event: like {@link lost}, recording the close code, reason or error. */
function lostTransport() {
  return [
    { guard: 'shouldRetry' as const, target: '#ddpClient.waiting', actions: 'recordTransportLoss' as const },
    { target: '#ddpClient.failed.retryable', actions: 'recordTransportLoss' as const },
  ];
}

/**
 * The client connection lifecycle. Top-level states are Meteor's status values; `statusFromSnapshot`
 * derives `status()`. Every effect is a named no-op here, bound by `@ddpx/client` with `.provide()`.
 * See docs/statecharts.md for the diagram and docs/architecture.md for the contract.
 */
export const clientConnectionMachine = setup({
  types: {} as {
    context: ClientConnectionContext;
    events: ClientConnectionEvent;
    input: ClientConnectionInput;
  },
  actions: {
    // Effects bound by the client (CLIENT_CONNECTION_EFFECTS.actions).
    sendConnect: noop,
    beginReconnectHooks: noop,
    replayMethods: noop,
    resendSubscriptions: noop,
    sessionStarted: noop,
    beginQuiescence: noop,
    sessionResumed: noop,
    sendPing: noop,
    sendGoodbye: noop,
    notifyNegotiationFailure: noop,
    failOutstanding: noop,
    reportHookError: noop,
    // Context bookkeeping, owned by the chart.
    resetRetryCount: assign({ retryCount: 0 }),
    /** Entry of `connecting`: the attempt's deadline (`connectTimeout`) counts from here. */
    startAttempt: assign(({ context }) => ({ attemptStartedAt: context.config.now() })),
    /** Entry of `connected`, one context copy: retryCount 0, no inbound yet, the version to propose. */
    startHandshake: assign(({ context }) => ({
      retryCount: 0,
      inboundSinceTick: false,
      versionSuggestion: context.versionSuggestion ?? context.config.supportedVersions[0],
      offeredSession: context.config.resume ? context.session : undefined,
    })),
    incrementRetryCount: assign({ retryCount: ({ context }) => context.retryCount + 1 }),
    /**
     * Entry of `waiting`: the delay before the next attempt — the server's hint when the loss carried
     * one (capped at `maxRetryHintMs`; a draining server spreads its clients' returns this way), else
     * the backoff for `retryCount`. Every way into `waiting` records its loss first, so a hint is used
     * for the one wait that follows it.
     */
    scheduleRetry: assign(({ context }) => {
      const hint = context.lastLoss?.retryInMs;
      const retryDelay =
        hint !== undefined && context.config.maxRetryHintMs > 0
          ? Math.max(0, Math.min(hint, context.config.maxRetryHintMs))
          : context.config.retryDelayFor(context.retryCount, context.config.random);
      return { retryDelay, retryTime: context.config.now() + retryDelay };
    }),
    clearRetryTime: assign({ retryTime: undefined }),
    setUrl: assign(({ context, event }) => ({
      url: event.type === 'RECONNECT' && event.url !== undefined ? event.url : context.url,
    })),
    recordLoss: assign((_, params: { code: LossCode }) => ({ lastLoss: { code: params.code } })),
    recordTransportLoss: assign(({ event }) => {
      const loss: ConnectionLoss =
        event.type === 'TRANSPORT.CLOSED'
          ? {
              code: 'DDP_CONNECTION_LOST',
              closeCode: event.code,
              closeReason: event.reason,
              ...(event.retryInMs !== undefined ? { retryInMs: event.retryInMs } : {}),
            }
          : event.type === 'TRANSPORT.ERROR'
            ? { code: 'DDP_CONNECTION_LOST', error: event.error }
            : { code: 'DDP_CONNECTION_LOST' };
      return { lastLoss: loss };
    }),
    /** The resume decision, made here only: the outcome, and why (the server's reason when it gave one). */
    acceptSession: assign(({ context, event }) => {
      if (event.type !== 'DDP.CONNECTED') return {};
      const lastResume =
        context.session === undefined
          ? 'first-session'
          : event.session === context.session
            ? 'resumed'
            : 'new-session';
      const resumeReason =
        event.resumeReason ??
        (lastResume === 'new-session' && context.offeredSession === undefined ? 'not-requested' : lastResume);
      return {
        session: event.session,
        version: context.versionSuggestion,
        lastResume,
        resumeReason,
      } as const;
    }),
    rememberSuggestedVersion: assign(({ context, event }) => ({
      versionSuggestion: event.type === 'DDP.FAILED' ? event.version : context.versionSuggestion,
    })),
    setNegotiationFailure: assign(({ event }) => ({
      reason: negotiationFailureReason(event.type === 'DDP.FAILED' ? event.version : 'unknown'),
    })),
    markInbound: assign({ inboundSinceTick: true }),
    clearInbound: assign({ inboundSinceTick: false }),
    markQuiescencePending: assign({ quiescencePending: true }),
    clearQuiescencePending: assign({ quiescencePending: false }),
  },
  actors: {
    /**
     * The transport of one connection attempt, invoked by `linked`: it opens on start, sends
     * `TRANSPORT.OPEN`/`CLOSED`/`ERROR` back, and closes when stopped (leaving `linked`, by construction).
     */
    transport: fromCallback<EventObject, TransportActorInput>(() => {}),
    /** Runs `conn.onReconnect` then the global hooks in registration order; resolves when all settle. */
    reconnectHooks: fromPromise<void, { retryCount: number }>(async () => {}),
  },
  guards: {
    /** The transport has not opened yet (`linked.connecting`). */
    stillConnecting: stateIn('#ddpClient.linked.connecting'),
    /** Any reconnect hook registered (input `hasReconnectHooks`); with none the hooks actor is not invoked. */
    hasReconnectHooks: ({ context }) => context.config.hasReconnectHooks(),
    inboundSinceTick: ({ context }) => context.inboundSinceTick,
    noInboundSinceTick: not('inboundSinceTick'),
    shouldRetry: ({ context }) => context.config.retry,
    autoConnect: ({ context }) => context.config.autoConnect,
    isForcedReconnect: ({ event }) =>
      event.type === 'RECONNECT' && (event.force === true || event.url !== undefined),
    /**
     * The same session, resumed in place. A `rebuilt` one (moved to another server process, which ran
     * its subscriptions again) keeps its id but not its data stream: it takes the new-session path, so
     * the stores are reconciled at quiescence (net changes only, no flicker).
     */
    sameSession: ({ context, event }) =>
      event.type === 'DDP.CONNECTED' &&
      context.session !== undefined &&
      event.session === context.session &&
      event.resumeReason !== REBUILT,
    hadSession: ({ context }) => context.session !== undefined,
    /** The same session again while its store reset still waits for quiescence (lost during `quiescing`). */
    resumesQuiescingSession: ({ context, event }) =>
      context.quiescencePending &&
      event.type === 'DDP.CONNECTED' &&
      context.session !== undefined &&
      event.session === context.session &&
      event.resumeReason !== REBUILT,
    heartbeatEnabled: ({ context }) =>
      context.config.heartbeatInterval > 0 && context.versionSuggestion !== 'pre1',
    versionSupported: ({ context, event }) =>
      event.type === 'DDP.FAILED' && context.config.supportedVersions.includes(event.version),
  },
  delays: {
    /** What is left of `connectTimeoutMs` since the attempt began: it bounds opening and handshake together. */
    connectTimeout: ({ context }) =>
      Math.max(
        0,
        context.config.connectTimeoutMs - Math.max(0, context.config.now() - context.attemptStartedAt),
      ),
    backoff: ({ context }) => context.retryDelay,
    heartbeatInterval: ({ context }) => context.config.heartbeatInterval,
    heartbeatTimeout: ({ context }) => context.config.heartbeatTimeout,
  },
}).createMachine({
  id: 'ddpClient',
  context: ({ input }) => createClientConnectionContext(input),
  initial: 'init',
  states: {
    init: {
      always: [{ guard: 'autoConnect', target: 'linked' }, { target: 'offline' }],
    },
    // A transport exists exactly while here: the `transport` actor is invoked on entry and stopped
    // (closing its socket) on every way out, so no transition has to remember to close it.
    linked: {
      initial: 'connecting',
      invoke: {
        id: 'transport',
        src: 'transport',
        input: ({ context }) => ({ url: context.url }),
      },
      on: {
        'TRANSPORT.CLOSED': lostTransport(),
        'TRANSPORT.ERROR': lostTransport(),
        // A new attempt at once while still opening: re-entering `linked` replaces the transport.
        // (In `connected` a plain RECONNECT is ignored and a forced one goes through `waiting`.)
        RECONNECT: { guard: 'stillConnecting', target: 'linked', reenter: true, actions: 'setUrl' },
      },
      states: {
        connecting: {
          entry: 'startAttempt',
          after: { connectTimeout: lost('DDP_CONNECT_TIMEOUT') },
          on: {
            'TRANSPORT.OPEN': { target: 'connected' },
            DISCONNECT: { target: '#ddpClient.offline' },
            CLOSE: { target: '#ddpClient.failed.permanent', actions: 'failOutstanding' },
          },
        },
        connected: {
          type: 'parallel',
          entry: ['startHandshake', 'sendConnect'],
          on: {
            RECONNECT: {
              guard: 'isForcedReconnect',
              target: '#ddpClient.waiting',
              actions: ['setUrl', { type: 'recordLoss', params: { code: 'DDP_FORCED_RECONNECT' } }],
            },
            DISCONNECT: { target: '#ddpClient.offline', actions: 'sendGoodbye' },
            CLOSE: { target: '#ddpClient.failed.permanent', actions: ['sendGoodbye', 'failOutstanding'] },
          },
          states: {
            replay: {
              initial: 'checkingHooks',
              states: {
                checkingHooks: {
                  entry: 'beginReconnectHooks',
                  always: [
                    { guard: 'hasReconnectHooks', target: 'runningHooks' },
                    { target: 'replayingMethods' },
                  ],
                },
                runningHooks: {
                  invoke: {
                    id: 'reconnectHooks',
                    src: 'reconnectHooks',
                    input: ({ context }) => ({ retryCount: context.retryCount }),
                    onDone: { target: 'replayingMethods' },
                    onError: { target: 'replayingMethods', actions: 'reportHookError' },
                  },
                },
                replayingMethods: { entry: 'replayMethods', always: { target: 'resendingSubscriptions' } },
                resendingSubscriptions: { entry: 'resendSubscriptions', always: { target: 'done' } },
                done: {},
              },
            },
            session: {
              initial: 'awaitingConnected',
              // Outside `quiescing` (data out of order around a handshake) the reset was still applied:
              // `QUIESCENCE.REACHED` only clears the flag. (Written on each state rather than once on the
              // region: Mermaid's default layout cannot draw a region's self-loop inside `linked`.)
              states: {
                awaitingConnected: {
                  // A server that opens the socket but never answers `connect` is abandoned and retried.
                  after: { connectTimeout: lost('DDP_CONNECT_TIMEOUT') },
                  on: {
                    'QUIESCENCE.REACHED': { actions: 'clearQuiescencePending' },
                    'DDP.CONNECTED': [
                      {
                        guard: 'resumesQuiescingSession',
                        target: 'quiescing',
                        actions: ['acceptSession', 'sessionResumed'],
                      },
                      {
                        guard: 'sameSession',
                        target: 'resumed',
                        actions: ['acceptSession', 'sessionResumed'],
                      },
                      {
                        guard: 'hadSession',
                        target: 'quiescing',
                        actions: ['acceptSession', 'markQuiescencePending', 'beginQuiescence'],
                      },
                      { target: 'live', actions: ['acceptSession', 'sessionStarted'] },
                    ],
                    'DDP.FAILED': [
                      {
                        guard: 'versionSupported',
                        target: '#ddpClient.waiting',
                        actions: [
                          'rememberSuggestedVersion',
                          { type: 'recordLoss', params: { code: 'DDP_FORCED_RECONNECT' } },
                        ],
                      },
                      {
                        target: '#ddpClient.failed.permanent',
                        actions: [
                          'setNegotiationFailure',
                          { type: 'recordLoss', params: { code: 'DDP_VERSION_NEGOTIATION_FAILED' } },
                          'notifyNegotiationFailure',
                        ],
                      },
                    ],
                  },
                },
                quiescing: {
                  on: { 'QUIESCENCE.REACHED': { target: 'live', actions: 'clearQuiescencePending' } },
                },
                resumed: { on: { 'QUIESCENCE.REACHED': { actions: 'clearQuiescencePending' } } },
                live: { on: { 'QUIESCENCE.REACHED': { actions: 'clearQuiescencePending' } } },
              },
            },
            heartbeat: {
              initial: 'off',
              states: {
                off: { on: { 'DDP.CONNECTED': { guard: 'heartbeatEnabled', target: 'idle' } } },
                ...heartbeatStates(lost('DDP_HEARTBEAT_TIMEOUT'), {
                  'NETWORK.OFFLINE': { target: 'pinging' },
                  'PAGE.VISIBLE': { target: 'pinging' },
                }),
              },
            },
          },
        },
      },
    },
    waiting: {
      entry: 'scheduleRetry',
      exit: 'clearRetryTime',
      after: { backoff: { target: 'linked', actions: 'incrementRetryCount' } },
      on: {
        RECONNECT: { target: 'linked', actions: 'setUrl' },
        'NETWORK.ONLINE': { target: 'linked' },
        'PAGE.VISIBLE': { target: 'linked' },
        DISCONNECT: { target: 'offline' },
        CLOSE: { target: '#ddpClient.failed.permanent', actions: 'failOutstanding' },
      },
    },
    failed: {
      initial: 'retryable',
      states: {
        retryable: {
          on: {
            RECONNECT: { target: '#ddpClient.linked', actions: 'setUrl' },
            'NETWORK.ONLINE': { target: '#ddpClient.linked' },
            DISCONNECT: { target: '#ddpClient.offline' },
            CLOSE: { target: 'permanent', actions: 'failOutstanding' },
          },
        },
        permanent: { entry: 'resetRetryCount' },
      },
    },
    offline: {
      entry: 'resetRetryCount',
      on: {
        RECONNECT: { target: 'linked', actions: 'setUrl' },
        CLOSE: { target: '#ddpClient.failed.permanent', actions: 'failOutstanding' },
      },
    },
  },
});

/** The client connection machine's type (for `.provide()` results and snapshots). */
export type ClientConnectionMachine = typeof clientConnectionMachine;
