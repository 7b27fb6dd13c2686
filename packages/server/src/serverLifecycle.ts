import {
  type ComeBack,
  retryHintFor,
  type SERVER_LIFECYCLE_EFFECTS,
  type ServerLifecycleContext,
  serverLifecycleMachine,
} from '@ddpx/statecharts';
import type { AnyStateMachine } from 'xstate';
import { MachineRunner, REAL_CLOCK, type RunnerClock } from './machineRunner.js';
import type { ResolvedOptions } from './options.js';

/** A session as the drain sees it: something to send `SERVER.CLOSE`, with its retry hint if any. */
export interface DrainedSession {
  sendEvent(event: { type: 'SERVER.CLOSE'; retryInMs?: number }): void;
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

/** The lifecycle chart run like the sessions' (a snapshot on the server's clock), settling `closed`. */
class LifecycleRunner extends MachineRunner<AnyStateMachine> {
  constructor(
    machine: AnyStateMachine,
    clock: RunnerClock,
    private readonly settled: () => void,
    private readonly report: (error: unknown) => void,
  ) {
    super(machine, clock);
  }
  protected done(): void {
    this.settled();
  }
  protected failed(error: unknown): void {
    this.report(error);
    this.settled();
  }
}

/**
 * The server's own lifecycle (listening → draining with paced closes → stopping → closed), run by
 * `serverLifecycleMachine` on the server's clock: whether sockets are accepted is read from its
 * snapshot, and the drain's pacing is the chart's `drainStep` delay. It runs on the sessions' runner,
 * not an actor, so the sessions it closes transition outside any actor's action.
 */
export class ServerLifecycle {
  private readonly runner: LifecycleRunner;
  private readonly closed: Promise<void>;
  /** The sessions the drain closes, taken when `close()` is called. */
  private draining: DrainedSession[] = [];

  constructor(
    private readonly host: ServerLifecycleHost,
    options: ResolvedOptions,
  ) {
    // Sessions `from` .. `to` (exclusive) of the drain, each told when to come back if the plan says so.
    const closeRange = (context: ServerLifecycleContext, from: number, to: number) => {
      for (let i = from; i < Math.min(to, this.draining.length); i++) {
        const retryInMs = retryHintFor(context, i);
        this.draining[i]!.sendEvent(
          retryInMs === undefined ? { type: 'SERVER.CLOSE' } : { type: 'SERVER.CLOSE', retryInMs },
        );
      }
    };
    const machine = serverLifecycleMachine.provide({
      actions: {
        closePending: () => host.closePending(),
        closeAllSessions: ({ context }: { context: ServerLifecycleContext }) =>
          closeRange(context, 0, this.draining.length),
        closeNextBatch: ({ context }: { context: ServerLifecycleContext }) =>
          closeRange(context, context.closedSessions, context.closedSessions + context.batch),
        stopServing: () => {
          const stopped = () => queueMicrotask(() => this.runner.send({ type: 'STOPPED' }));
          host.stopServing().then(stopped, (error: unknown) => {
            host.reportError(error, 'server close');
            stopped();
          });
        },
      } satisfies Record<(typeof SERVER_LIFECYCLE_EFFECTS.actions)[number], unknown>,
    });
    let settle!: () => void;
    this.closed = new Promise((resolve) => {
      settle = resolve;
    });
    const report = (error: unknown) => host.reportError(error, 'server lifecycle');
    this.runner = new LifecycleRunner(machine, options.clock ?? REAL_CLOCK, settle, report).start(undefined);
  }

  /** Whether new sockets are accepted (the chart is `listening`). */
  get accepting(): boolean {
    return this.runner.getSnapshot().value === 'listening';
  }

  /**
   * Starts the drain (once; later calls return the same promise), resolved when the chart is `closed`.
   * With `comeBack`, each closed session's client is told when to return.
   */
  close(drainMs: number, comeBack?: ComeBack): Promise<void> {
    if (this.accepting) {
      this.draining = this.host.liveSessions();
      this.runner.send({ type: 'CLOSE', drainMs, sessions: this.draining.length, comeBack });
    }
    return this.closed;
  }
}
