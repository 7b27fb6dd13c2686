import {
  type SERVER_SESSION_EFFECTS,
  type ServerSessionActionName,
  type ServerSessionContext,
  type ServerSessionEvent,
  type ServerSessionInput,
  type ServerSessionMachine,
  serverSessionMachine,
} from '@ddpx/statecharts';
import { createActor, type SnapshotFrom } from 'xstate';
import { type SessionStepHook, watchSession } from './inspectorLink.js';
import { MachineRunner, REAL_CLOCK } from './machineRunner.js';
import type { ResolvedOptions } from './options.js';
import type { Session } from './session.js';

const PING = '{"msg":"ping"}';

/** A running server session machine: a {@link MachineRunner}, or a real actor when inspected. */
export interface SessionActor {
  /** Sends a lifecycle event to the machine. */
  send(event: ServerSessionEvent): void;
  /** The machine's current snapshot. */
  getSnapshot(): SnapshotFrom<ServerSessionMachine>;
}

// The machine is provided once, so a session costs one snapshot (or one actor), not one copy of the
// machine. Its actions find their session as the one whose runner is executing them, or (inspected
// actors, whose timers xstate fires) by the session id in their context.
let running: Session | undefined;
const inspected = new Map<string, Session>();

function sessionOf(context: ServerSessionContext): Session | undefined {
  return running ?? inspected.get(context.sessionId!);
}

// Effects must never throw into the machine: a throwing action would stop it with an error.
function bind(
  name: string,
  fn: (session: Session, context: ServerSessionContext, event: ServerSessionEvent) => void,
) {
  return ({ context, event }: { context: ServerSessionContext; event: ServerSessionEvent }) => {
    const session = sessionOf(context);
    if (!session) return;
    try {
      fn(session, context, event);
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
    closeSocket: bind('closeSocket', (s, c) => s.closeSocket(c.closeReason, c.retryInMs)),
    emitConnection: bind('emitConnection', (s, c) => s.establish(c.connectRequest)),
    emitDetach: bind('emitDetach', (s) => s.emitDetach()),
    emitResume: bind('emitResume', (s, _c, e) => {
      if (e.type === 'RESUME') s.emitResume(e.receivedCount);
    }),
    emitClose: bind('emitClose', (s, c) => s.finish(c.closeReason ?? 'socket-closed')),
    startBuffering: bind('startBuffering', (s) => s.startBuffering()),
    flushBuffer: bind('flushBuffer', (s, _c, e) => {
      if (e.type === 'RESUME') s.flushBuffer(e.receivedCount);
    }),
    dropBuffer: bind('dropBuffer', (s) => s.dropBuffer()),
    handOffSocket: bind('handOffSocket', (s, c) => s.handOff(c.connectRequest)),
    sendPing: bind('sendPing', (s) => s.sendRaw(PING)),
  } satisfies Record<ServerSessionActionName, unknown>, // every declared effect bound, nothing else
  guards: {
    serverFull: ({ context }: { context: ServerSessionContext }) => sessionOf(context)?.serverFull() ?? false,
  } satisfies Record<(typeof SERVER_SESSION_EFFECTS.guards)[number], unknown>,
});

/** A session's machine held as a snapshot only: what every uninspected session runs. */
class SessionRunner extends MachineRunner<typeof boundMachine> {
  constructor(
    private readonly session: Session,
    options: ResolvedOptions,
    private readonly onStep?: SessionStepHook,
  ) {
    super(boundMachine, options.clock ?? REAL_CLOCK);
  }
  override start(input: ServerSessionInput): this {
    const outer = running;
    running = this.session;
    try {
      super.start(input);
      this.onStep?.(this.getSnapshot(), { type: 'xstate.init' });
      return this;
    } finally {
      running = outer;
    }
  }
  override send(event: ServerSessionEvent): void {
    const outer = running;
    running = this.session;
    try {
      super.send(event);
      this.onStep?.(this.getSnapshot(), event);
    } finally {
      running = outer;
    }
  }
  protected done(): void {
    this.session.machineDone();
  }
  protected failed(error: unknown): void {
    this.session.reportError(error, 'session machine');
  }
}

/** Starts the session machine for `session`: a real actor when `options.inspect` is set, else a runner. */
export function startSessionActor(session: Session, options: ResolvedOptions): SessionActor {
  const input: ServerSessionInput = {
    sessionId: session.id,
    supportedVersions: options.supportedDDPVersions,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    heartbeatInterval: options.heartbeatInterval,
    heartbeatTimeout: options.heartbeatTimeout,
    gracePeriodMs: options.resume.gracePeriodMs,
  };
  if (!options.inspect) return new SessionRunner(session, options).start(input);
  if (typeof options.inspect === 'string')
    return new SessionRunner(session, options, watchSession(options, session)).start(input);
  // An XState observer needs a real actor; machineRunner.test.ts shows both take the same steps.
  const clock = options.clock ? { clock: options.clock } : {};
  const actor = createActor(boundMachine, { input, inspect: options.inspect, ...clock });
  // Keyed by the id in the chart's context: a session rebuilt from a shared store changes `session.id`.
  const key = session.id;
  inspected.set(key, session);
  actor.subscribe({
    complete: () => {
      inspected.delete(key);
      session.machineDone();
    },
    error: (err) => {
      inspected.delete(key);
      session.reportError(err, 'session machine');
    },
  });
  return actor.start();
}
