import { DDPError, encode, type MethodMessage, type WireError } from '@ddpx/protocol';
import type { Connection, MethodHandler, MethodInvocation } from './types.js';

/** What running a method needs from its session. */
export interface MethodHost {
  readonly connection: Connection;
  readonly userId: string | null;
  setUserId(userId: string | null): Promise<void>;
  method(name: string): MethodHandler | undefined;
  /** Writes an already encoded, counted frame. */
  writeFrame(frame: string): void;
  reportError(error: unknown, context: string): void;
}

/** The wire error for anything a handler threw: DDPErrors as they are, everything else as 500. */
export function wireErrorOf(error: unknown): { wire: WireError; internal: boolean } {
  if (error instanceof DDPError) return { wire: error.toWire(), internal: false };
  if (error !== null && typeof error === 'object') {
    const e = error as Partial<WireError>;
    if (e.isClientSafe === true && (typeof e.error === 'string' || typeof e.error === 'number')) {
      const reason = typeof e.reason === 'string' ? e.reason : undefined;
      return { wire: new DDPError(e.error, reason, e.details).toWire(), internal: false };
    }
  }
  return { wire: new DDPError(500, 'Internal server error').toWire(), internal: true };
}

class Invocation implements MethodInvocation {
  readonly isSimulation = false as const;
  unblockHook: (() => void) | undefined;

  constructor(
    private readonly host: MethodHost,
    readonly randomSeed: string | undefined,
  ) {}

  get connection(): Connection {
    return this.host.connection;
  }

  get userId(): string | null {
    return this.host.userId;
  }

  unblock(): void {
    const hook = this.unblockHook;
    this.unblockHook = undefined;
    hook?.();
  }

  setUserId(userId: string | null): Promise<void> {
    if (userId !== null && typeof userId !== 'string') throw new TypeError('userId must be a string or null');
    return this.host.setUserId(userId);
  }
}

/**
 * Per-session method runner. Completed methods keep their encoded `updated`/`result` frames (a bounded
 * number of them) so a re-sent id is answered from memory and never runs twice.
 */
export class MethodCalls {
  private readonly memory = new Map<string, string[] | null>();

  constructor(
    private readonly host: MethodHost,
    private readonly memorySize: number,
  ) {}

  /** Runs one `method` message; returns a promise only when it blocks the session queue. */
  run(msg: MethodMessage): void | Promise<void> {
    const remembered = this.memory.get(msg.id);
    if (remembered !== undefined) {
      // Already ran (replay its frames) or still running (its frames will follow): never run again.
      if (remembered) for (const frame of remembered) this.host.writeFrame(frame);
      return;
    }
    const handler = this.host.method(msg.method);
    if (!handler) {
      const error = new DDPError(404, `Method '${msg.method}' not found`).toWire();
      this.host.writeFrame(encode({ msg: 'result', id: msg.id, error }));
      this.host.writeFrame(encode({ msg: 'updated', methods: [msg.id] }));
      return;
    }
    const invocation = new Invocation(this.host, msg.randomSeed);
    let unblocked = false;
    let release: (() => void) | undefined;
    invocation.unblockHook = () => {
      unblocked = true;
      release?.();
    };
    let value: unknown;
    try {
      value = handler.apply(invocation, msg.params ?? []);
    } catch (err) {
      this.finish(msg, undefined, err, true);
      return;
    }
    if (!isThenable(value)) {
      this.finish(msg, value, undefined, false);
      return;
    }
    if (this.memorySize > 0) this.remember(msg.id, null);
    const done = new Promise<void>((resolve) => {
      release = resolve;
      value.then(
        (result) => {
          this.finish(msg, result, undefined, false);
          resolve();
        },
        (err: unknown) => {
          this.finish(msg, undefined, err, true);
          resolve();
        },
      );
    });
    return unblocked ? undefined : done;
  }

  /** Whether method `id` is running right now (a re-send of it is answered by the running call). */
  isRunning(id: string): boolean {
    return this.memory.get(id) === null;
  }

  /** Forgets every remembered result (the session ended). */
  clear(): void {
    this.memory.clear();
  }

  private finish(msg: MethodMessage, result: unknown, error: unknown, failed: boolean): void {
    const updated = encode({ msg: 'updated', methods: [msg.id] });
    let resultFrame: string;
    if (failed) {
      resultFrame = this.errorFrame(msg, error);
    } else {
      try {
        resultFrame = encode(
          result === undefined ? { msg: 'result', id: msg.id } : { msg: 'result', id: msg.id, result },
        );
      } catch (err) {
        resultFrame = this.errorFrame(msg, err);
      }
    }
    // Meteor's order for a method that completes: `updated` (its write fence) then `result`.
    this.host.writeFrame(updated);
    this.host.writeFrame(resultFrame);
    if (this.memorySize > 0) this.remember(msg.id, [updated, resultFrame]);
  }

  private errorFrame(msg: MethodMessage, error: unknown): string {
    const { wire, internal } = wireErrorOf(error);
    if (internal) this.host.reportError(error, `method '${msg.method}'`);
    try {
      return encode({ msg: 'result', id: msg.id, error: wire });
    } catch (err) {
      this.host.reportError(err, `method '${msg.method}' error details`);
      return encode({
        msg: 'result',
        id: msg.id,
        error: new DDPError(500, 'Internal server error').toWire(),
      });
    }
  }

  private remember(id: string, frames: string[] | null): void {
    this.memory.delete(id);
    this.memory.set(id, frames);
    while (this.memory.size > this.memorySize) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
