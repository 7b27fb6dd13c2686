import {
  type ServerSessionContext,
  type ServerSessionMachine,
  serverSessionMachine,
} from '@ddpx/statecharts';
import { type Actor, createActor } from 'xstate';
import type { ResolvedOptions } from './options.js';
import type { Session } from './session.js';

/** A running server session machine. */
export type SessionActor = Actor<ServerSessionMachine>;

// The machine is provided once; each action finds its session through the actor running it, so a
// session costs one actor, not one copy of the machine.
const sessions = new Map<string, Session>();

// Effects must never throw into the machine: a throwing action would put the actor in an error state.
function bind(name: string, fn: (session: Session, context: ServerSessionContext) => void) {
  return ({ context }: { context: ServerSessionContext }) => {
    const session = sessions.get(context.sessionId!);
    if (!session) return;
    try {
      fn(session, context);
    } catch (err) {
      session.reportError(err, `session action ${name}`);
    }
  };
}

/**
 * The server session machine with every named effect bound to the session that runs it. The machine
 * owns the lifecycle (handshake timeout, heartbeat, grace period, close reasons); sessions only do
 * what its actions say.
 */
const boundMachine = serverSessionMachine.provide({
  actions: {
    sendFailed: bind('sendFailed', (s, c) => s.sendFailed(c.calculatedVersion)),
    closeSocket: bind('closeSocket', (s, c) => s.closeSocket(c.closeReason)),
    emitConnection: bind('emitConnection', (s, c) => s.establish(c.connectRequest)),
    emitDetach: bind('emitDetach', (s) => s.emitDetach()),
    emitResume: bind('emitResume', (s) => s.emitResume()),
    emitClose: bind('emitClose', (s, c) => s.finish(c.closeReason ?? 'socket-closed')),
    startBuffering: bind('startBuffering', (s) => s.startBuffering()),
    flushBuffer: bind('flushBuffer', (s) => s.flushBuffer()),
    dropBuffer: bind('dropBuffer', (s) => s.dropBuffer()),
    handOffSocket: bind('handOffSocket', (s, c) => s.handOff(c.connectRequest)),
    sendPing: bind('sendPing', (s) => s.sendPing()),
  },
  guards: {
    resumesExisting: ({ context }) =>
      sessions.get(context.sessionId!)?.canResume(context.connectRequest) ?? false,
  },
});

/** Starts the session machine for `session`. */
export function startSessionActor(session: Session, options: ResolvedOptions): SessionActor {
  const actor = createActor(boundMachine, {
    input: {
      sessionId: session.id,
      supportedVersions: options.supportedDDPVersions,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      heartbeatInterval: options.heartbeatInterval,
      heartbeatTimeout: options.heartbeatTimeout,
      gracePeriodMs: options.resume.gracePeriodMs,
    },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  sessions.set(session.id, session);
  actor.subscribe({
    complete: () => {
      sessions.delete(session.id);
      session.machineDone();
    },
    error: (err) => session.reportError(err, 'session machine'),
  });
  actor.start();
  return actor;
}
