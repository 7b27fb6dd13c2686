import {
  type SERVER_LIFECYCLE_EFFECTS,
  type ServerLifecycleContext,
  serverLifecycleMachine,
} from '@ddpx/statecharts';
import { type Actor, createActor } from 'xstate';
import type { ResolvedOptions } from './options.js';

/** A session as the drain sees it: something to send `SERVER.CLOSE`. */
export interface DrainedSession {
  sendEvent(event: { type: 'SERVER.CLOSE' }): void;
}

/** What the server lifecycle chart's effects do, bound by the server. */
export interface ServerLifecycleHost {
  /** Sessions still in their handshake: closed when the drain starts and again when it ends. */
  closePending(): void;
  /** The live sessions, in the order the drain closes them. */
  liveSessions(): DrainedSession[];
  /** Detaches the endpoints and closes the server's own http server. */
  stopServing(): Promise<void>;
  reportError(error: unknown, context: string): void;
}

/**
 * The server's own lifecycle (listening → draining with paced closes → stopping → closed), run by
 * `serverLifecycleMachine` on the server's clock: whether sockets are accepted is read from its
 * snapshot, and the drain's pacing is the chart's `drainStep` delay.
 */
export class ServerLifecycle {
  private readonly actor: Actor<typeof serverLifecycleMachine>;
  private readonly closed: Promise<void>;
  /** The sessions the drain closes, taken when `close()` is called. */
  private draining: DrainedSession[] = [];

  constructor(
    private readonly host: ServerLifecycleHost,
    options: ResolvedOptions,
  ) {
    const closeEach = (sessions: readonly DrainedSession[]) => {
      for (const session of sessions) session.sendEvent({ type: 'SERVER.CLOSE' });
    };
    const machine = serverLifecycleMachine.provide({
      actions: {
        closePending: () => host.closePending(),
        closeAllSessions: () => closeEach(this.draining),
        closeNextSession: ({ context }: { context: ServerLifecycleContext }) =>
          closeEach(this.draining.slice(context.closedSessions, context.closedSessions + 1)),
        stopServing: () => {
          const stopped = () => queueMicrotask(() => this.actor.send({ type: 'STOPPED' }));
          host.stopServing().then(stopped, (error: unknown) => {
            host.reportError(error, 'server close');
            stopped();
          });
        },
      } satisfies Record<(typeof SERVER_LIFECYCLE_EFFECTS.actions)[number], unknown>,
    });
    this.actor = createActor(machine, options.clock ? { clock: options.clock } : {});
    this.closed = new Promise((resolve) => this.actor.subscribe({ complete: resolve }));
    this.actor.start();
  }

  /** Whether new sockets are accepted (the chart is `listening`). */
  get accepting(): boolean {
    return this.actor.getSnapshot().value === 'listening';
  }

  /** Starts the drain (once; later calls return the same promise), resolved when the chart is `closed`. */
  close(drainMs: number): Promise<void> {
    if (this.accepting) {
      this.draining = this.host.liveSessions();
      this.actor.send({ type: 'CLOSE', drainMs, sessions: this.draining.length });
    }
    return this.closed;
  }
}
