import { SUPPORTED_DDP_VERSIONS } from '@ddpx/protocol';
import { assign, not, setup } from 'xstate';
import { heartbeatStates } from './heartbeat.js';
import type {
  CloseReason,
  ServerSessionContext,
  ServerSessionEvent,
  ServerSessionInput,
  ServerSessionOutput,
} from './serverSessionTypes.js';

/** Meteor's server defaults (§3.3, §7.6, §8). */
export const SERVER_SESSION_DEFAULTS = Object.freeze({
  supportedVersions: SUPPORTED_DDP_VERSIONS as readonly string[],
  handshakeTimeoutMs: 45_000,
  heartbeatInterval: 15_000,
  heartbeatTimeout: 15_000,
  gracePeriodMs: 15_000,
});

/** Builds the initial context from input, validating it. */
export function createServerSessionContext(input: ServerSessionInput = {}): ServerSessionContext {
  const d = SERVER_SESSION_DEFAULTS;
  const ctx: ServerSessionContext = {
    sessionId: input.sessionId,
    supportedVersions: input.supportedVersions ?? d.supportedVersions,
    handshakeTimeoutMs: input.handshakeTimeoutMs ?? d.handshakeTimeoutMs,
    heartbeatInterval: input.heartbeatInterval ?? d.heartbeatInterval,
    heartbeatTimeout: input.heartbeatTimeout ?? d.heartbeatTimeout,
    gracePeriodMs: input.gracePeriodMs ?? d.gracePeriodMs,
    connectRequest: undefined,
    version: undefined,
    calculatedVersion: undefined,
    closeReason: undefined,
    retryInMs: undefined,
    inboundSinceTick: false,
  };
  if (ctx.supportedVersions.length === 0)
    throw new RangeError('supportedVersions must name at least one version');
  if (!(ctx.handshakeTimeoutMs > 0)) throw new RangeError('handshakeTimeoutMs must be positive');
  if (!(ctx.heartbeatInterval >= 0)) throw new RangeError('heartbeatInterval must be >= 0');
  if (!(ctx.heartbeatTimeout > 0)) throw new RangeError('heartbeatTimeout must be positive');
  if (!(ctx.gracePeriodMs >= 0)) throw new RangeError('gracePeriodMs must be >= 0');
  return ctx;
}

/** Meteor's `calculateVersion`: the client's first version the server supports, else the server's first. */
function chooseVersion(clientSupport: readonly string[], serverSupport: readonly string[]): string {
  return clientSupport.find((v) => serverSupport.includes(v)) ?? (serverSupport[0] as string);
}

/** Meteor's `_handleConnect` validation and choice (§1.3): the version to answer with, and whether it matches. */
export function negotiateVersion(
  request: { version: unknown; support: unknown },
  serverSupport: readonly string[],
): { accepted: boolean; version: string } {
  const { version, support } = request;
  const valid =
    typeof version === 'string' &&
    Array.isArray(support) &&
    support.every((v) => typeof v === 'string') &&
    support.includes(version);
  if (!valid) return { accepted: false, version: serverSupport[0] as string };
  const chosen = chooseVersion(support as string[], serverSupport);
  return { accepted: chosen === version, version: chosen };
}

const noop = () => {};

/** A transition into `closed` with `reason`, running `actions` after the reason is set. */
function close<const A extends readonly string[]>(reason: CloseReason, ...actions: A) {
  return {
    target: '#ddpSession.closed',
    actions: [{ type: 'setCloseReason', params: { reason } } as const, ...actions],
  } as const;
}

/**
 * One server session's lifecycle: handshake, negotiation, established with heartbeat, detached within
 * the resume grace period (after a lost or replaced socket), closed with a {@link CloseReason}. The server emits its `connection`,
 * `detach`, `resume` and `close` events from the named actions on these transitions.
 */
export const serverSessionMachine = setup({
  types: {} as {
    context: ServerSessionContext;
    events: ServerSessionEvent;
    input: ServerSessionInput | undefined;
    output: ServerSessionOutput;
  },
  actions: {
    // Effects bound by the server (SERVER_SESSION_EFFECTS.actions).
    sendFailed: noop,
    closeSocket: noop,
    emitConnection: noop,
    emitDetach: noop,
    emitResume: noop,
    emitClose: noop,
    startBuffering: noop,
    flushBuffer: noop,
    dropBuffer: noop,
    handOffSocket: noop,
    sendPing: noop,
    // Context bookkeeping, owned by the chart.
    /** The reason, and the drain's retry hint when the event closing the session carried one. */
    setCloseReason: assign(({ event }, params: { reason: CloseReason }) => ({
      closeReason: params.reason,
      retryInMs: event.type === 'SERVER.CLOSE' || event.type === 'MOVED' ? event.retryInMs : undefined,
    })),
    setAbortReason: assign(({ event, context }) => ({
      closeReason: event.type === 'ABORT' ? event.reason : context.closeReason,
    })),
    recordConnect: assign(({ context, event }) => {
      if (event.type !== 'DDP.CONNECT') return {};
      const { type: _type, ...request } = event;
      return {
        connectRequest: request,
        calculatedVersion: negotiateVersion(request, context.supportedVersions).version,
      };
    }),
    acceptVersion: assign(({ context }) => ({ version: context.calculatedVersion })),
    markInbound: assign({ inboundSinceTick: true }),
    clearInbound: assign({ inboundSinceTick: false }),
  },
  guards: {
    versionAccepted: ({ context }) =>
      context.connectRequest !== undefined &&
      negotiateVersion(context.connectRequest, context.supportedVersions).accepted,
    versionRejected: not('versionAccepted'),
    /** The server's resume decision, carried by `DDP.CONNECT`: a detached session takes this socket. */
    resumesExisting: ({ context }) => context.connectRequest?.resume === 'resumed',
    /** The server holds `maxSessions` live sessions and none detached it could evict: refuse this one. */
    serverFull: () => false,
    inboundSinceTick: ({ context }) => context.inboundSinceTick,
    noInboundSinceTick: not('inboundSinceTick'),
    heartbeatEnabled: ({ context }) => context.heartbeatInterval > 0 && context.version !== 'pre1',
    graceEnabled: ({ context }) => context.gracePeriodMs > 0,
  },
  delays: {
    handshakeTimeout: ({ context }) => context.handshakeTimeoutMs,
    heartbeatInterval: ({ context }) => context.heartbeatInterval,
    heartbeatTimeout: ({ context }) => context.heartbeatTimeout,
    gracePeriod: ({ context }) => context.gracePeriodMs,
  },
}).createMachine({
  id: 'ddpSession',
  context: ({ input }) => createServerSessionContext(input ?? {}),
  initial: 'awaitingConnect',
  output: ({ context }) => ({ closeReason: context.closeReason }),
  states: {
    awaitingConnect: {
      after: { handshakeTimeout: close('handshake-timeout', 'closeSocket') },
      on: {
        'DDP.CONNECT': { target: 'negotiating', actions: 'recordConnect' },
        'SOCKET.CLOSED': close('socket-closed'),
        CLOSE: close('connection-close', 'closeSocket'),
        'SERVER.CLOSE': close('server-close', 'closeSocket'),
        ABORT: { target: 'closed', actions: ['setAbortReason', 'closeSocket'] },
      },
    },
    negotiating: {
      always: [
        { guard: 'versionRejected', ...close('version-mismatch', 'sendFailed', 'closeSocket') },
        { guard: 'resumesExisting', target: 'handedOff', actions: 'handOffSocket' },
        { guard: 'serverFull', ...close('server-full', 'closeSocket') },
        { target: 'established', actions: ['acceptVersion', 'emitConnection'] },
      ],
    },
    established: {
      initial: 'starting',
      states: {
        starting: { always: [{ guard: 'heartbeatEnabled', target: 'idle' }, { target: 'off' }] },
        off: {},
        ...heartbeatStates(close('heartbeat-timeout', 'closeSocket', 'emitClose')),
      },
      on: {
        DISCONNECT: { target: 'departing' },
        'SOCKET.CLOSED': [
          { guard: 'graceEnabled', target: 'detached', actions: ['emitDetach', 'startBuffering'] },
          close('socket-closed', 'emitClose'),
        ],
        // The server only replaces a socket when resumption is on; the new socket resumes at once.
        'SOCKET.REPLACED': { target: 'detached', actions: ['emitDetach', 'startBuffering'] },
        CLOSE: close('connection-close', 'closeSocket', 'emitClose'),
        'SERVER.CLOSE': close('server-close', 'closeSocket', 'emitClose'),
        MOVED: close('moved', 'closeSocket', 'emitClose'),
        ABORT: { target: 'closed', actions: ['setAbortReason', 'closeSocket', 'emitClose'] },
      },
    },
    departing: {
      after: { heartbeatTimeout: close('client-disconnect', 'closeSocket', 'emitClose') },
      on: {
        'SOCKET.CLOSED': close('client-disconnect', 'emitClose'),
        CLOSE: close('connection-close', 'closeSocket', 'emitClose'),
        'SERVER.CLOSE': close('server-close', 'closeSocket', 'emitClose'),
        ABORT: { target: 'closed', actions: ['setAbortReason', 'closeSocket', 'emitClose'] },
      },
    },
    detached: {
      after: { gracePeriod: close('grace-expired', 'dropBuffer', 'emitClose') },
      on: {
        RESUME: { target: 'established', actions: ['emitResume', 'flushBuffer'] },
        'BUFFER.OVERFLOW': close('buffer-overflow', 'dropBuffer', 'emitClose'),
        SUPERSEDED: close('superseded', 'dropBuffer', 'emitClose'),
        EVICT: close('evicted', 'dropBuffer', 'emitClose'),
        CLOSE: close('connection-close', 'dropBuffer', 'emitClose'),
        'SERVER.CLOSE': close('server-close', 'dropBuffer', 'emitClose'),
        MOVED: close('moved', 'dropBuffer', 'emitClose'),
        ABORT: { target: 'closed', actions: ['setAbortReason', 'dropBuffer', 'emitClose'] },
      },
    },
    handedOff: { type: 'final' },
    closed: { type: 'final' },
  },
});

/** The server session machine's type. */
export type ServerSessionMachine = typeof serverSessionMachine;
