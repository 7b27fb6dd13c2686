import { DDPError, encode, type MethodMessage, type WireError } from '@ddpx/protocol';
import type { ReplayBudget } from './replayBuffer.js';
import type { MethodClaim } from './store.js';
import type { Connection, MethodHandler, MethodInvocation } from './types.js';

/** What running a method needs from its session. */
export interface MethodHost {
  readonly connection: Connection;
  readonly userId: string | null;
  setUserId(userId: string | null): Promise<void>;
  method(name: string): MethodHandler | undefined;
  /** Writes an already encoded, counted frame. */
  writeFrame(frame: string): void;
  /** Writes encoded frames that belong together, in one write. */
  writeFrames(frames: readonly string[]): void;
  /** Number of the last message written (Meteor 3.5's `sentCount`). */
  sentCount(): number;
  /** Number of the oldest message a resuming client can still be sent again. */
  firstReplayable(): number;
  /** The `too-many-requests` error when a rate-limit rule refuses this call, else undefined. */
  rateLimited(type: 'method', name: string): WireError | undefined;
  reportError(error: unknown, context: string): void;
  /** The cluster-wide claim of a method id (a shared store), or undefined when this process alone decides. */
  claimMethod?(methodId: string): Promise<MethodClaim> | undefined;
  /** A method's answer frames, for the store (not awaited). */
  methodAnswered?(methodId: string, frames: readonly string[]): void;
  /** A claimed method id that will not run after all (unknown method, rate-limited): released. */
  methodUnclaimed?(methodId: string): void;
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

/** A method that ran: its frames, their size, and the number of its `result` frame in the session's stream. */
interface Done {
  frames: [updated: string, result: string] | undefined;
  bytes: number;
  resultNumber: number;
}
const PENDING = 0;

/** Bounds of a session's method memory. */
export interface MethodMemoryLimits {
  /** Finished ids kept beyond those whose result is still replayable. */
  count: number;
  /** Bytes of ids and result frames kept; past it the oldest results are forgotten (their ids kept). */
  bytes: number;
  /** The server-wide byte budget (shared with the replay buffers); past it this session forgets too. */
  budget: ReplayBudget;
}

/** The error a re-sent method id gets when its result was forgotten to stay within the limits. */
export function forgottenResultError(): WireError {
  return new DDPError(
    'result-forgotten',
    'The result of this method was no longer held; the method was not run again',
  ).toWire();
}

/**
 * Per-session method runner that never runs a method id twice in a session. Every id is admitted
 * once, on arrival; a re-sent copy (a resuming client re-sends what it has no result for) is dropped
 * while the original is queued or running (its frames follow once), and answered from memory once it
 * ran. Finished ids are kept while their `result` is still replayable (so any copy a resumed client
 * can send is recognised), plus the `count` most recent others. Results are held within `bytes` (and
 * the shared budget): past it the oldest result is forgotten but its id is kept, so a copy of it gets
 * a `result-forgotten` error instead of a second run.
 */
export class MethodCalls {
  private readonly memory = new Map<string, Done | typeof PENDING>();
  /** Cluster-wide claims, sent on arrival so the claims of queued methods share pipelined round trips. */
  private claims: Map<string, Promise<MethodClaim> | MethodClaim> | undefined;
  private bytes = 0;

  constructor(
    private readonly host: MethodHost,
    private readonly limits: MethodMemoryLimits,
  ) {}

  /** Number of methods admitted and not finished yet. */
  get inFlight(): number {
    let n = 0;
    for (const entry of this.memory.values()) if (entry === PENDING) n++;
    return n;
  }

  /** Admits a `method` message on arrival; false when this id already arrived in this session. */
  admit(msg: MethodMessage): boolean {
    const known = this.memory.get(msg.id);
    if (known === undefined) {
      this.memory.set(msg.id, PENDING);
      this.hold(msg.id.length);
      const claim = this.host.claimMethod?.(msg.id);
      if (claim) {
        this.claims ??= new Map();
        const claims = this.claims;
        // Kept as a value once answered, so a method whose claim is back runs without waiting a tick.
        const pending: Promise<MethodClaim> = claim.then((c) => {
          if (claims.get(msg.id) === pending) claims.set(msg.id, c);
          return c;
        });
        claims.set(msg.id, pending);
      }
      return true;
    }
    // Already ran: answer the copy from memory. A resuming client resets what it knew of methods in
    // flight (Meteor's rule), so it needs `updated` and `result` again even if it saw them before
    // the drop; a `result` it already has is ignored by Meteor's client and ours.
    if (known === PENDING) return false;
    if (known.frames) this.host.writeFrames(known.frames);
    else
      this.host.writeFrames([
        encode({ msg: 'updated', methods: [msg.id] }),
        encode({ msg: 'result', id: msg.id, error: forgottenResultError() }),
      ]);
    return false;
  }

  /** Runs one admitted `method` message; returns a promise only when it blocks the session queue. */
  run(msg: MethodMessage): void | Promise<void> {
    const handler = this.host.method(msg.method);
    if (!handler) {
      const error = new DDPError(404, `Method '${msg.method}' not found`).toWire();
      this.host.writeFrames([
        encode({ msg: 'result', id: msg.id, error }),
        encode({ msg: 'updated', methods: [msg.id] }),
      ]);
      this.drop(msg.id); // nothing ran: a re-send may be answered again
      this.unclaim(msg.id);
      return;
    }
    const refused = this.host.rateLimited('method', msg.method);
    if (refused) {
      // Meteor's order for an invocation that fails: `updated`, then `result` with the error.
      this.host.writeFrame(encode({ msg: 'updated', methods: [msg.id] }));
      this.host.writeFrame(encode({ msg: 'result', id: msg.id, error: refused }));
      this.drop(msg.id); // nothing ran: a re-send is checked again
      this.unclaim(msg.id);
      return;
    }
    const claim = this.claims?.get(msg.id);
    if (!claim) return this.invoke(msg, handler);
    this.claims!.delete(msg.id);
    if (!(claim instanceof Promise)) return this.claimed(msg, handler, claim);
    return claim.then((c) => this.claimed(msg, handler, c));
  }

  private unclaim(id: string): void {
    const claim = this.claims?.get(id);
    if (!claim) return;
    this.claims!.delete(id);
    void Promise.resolve(claim).then((c) => c.kind === 'claimed' && this.host.methodUnclaimed?.(id));
  }

  // With a shared store: a method another process answered is answered from the store, never run here.
  private claimed(msg: MethodMessage, handler: MethodHandler, claim: MethodClaim): void | Promise<void> {
    if (claim.kind !== 'done') return this.invoke(msg, handler);
    if (this.memory.get(msg.id) !== PENDING) return; // the session ended meanwhile
    const [updated, result] = claim.frames;
    if (updated === undefined || result === undefined) return this.invoke(msg, handler);
    const frames: [string, string] = [updated, result];
    this.host.writeFrames(frames);
    this.remember(msg.id, frames);
  }

  private invoke(msg: MethodMessage, handler: MethodHandler): void | Promise<void> {
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

  /** Forgets every remembered method (the session ended) and gives its bytes back to the budget. */
  clear(): void {
    this.claims = undefined;
    this.memory.clear();
    this.hold(-this.bytes);
  }

  private finish(msg: MethodMessage, result: unknown, error: unknown, failed: boolean): void {
    // A session that ended (or moved to another process) while it ran: the store still hears the answer.
    const live = this.memory.has(msg.id);
    if (!live && !this.host.methodAnswered) return;
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
    // Meteor's order for a method that completes: `updated` (its write fence) then `result`, in one write.
    const frames: [string, string] = [updated, resultFrame];
    this.host.methodAnswered?.(msg.id, frames);
    if (!live) return;
    this.host.writeFrames(frames);
    this.remember(msg.id, frames);
  }

  private remember(id: string, frames: [string, string]): void {
    // Re-inserted so the map's order is completion order, which `forget` relies on.
    this.drop(id);
    const bytes = id.length + frames[0].length + frames[1].length;
    this.memory.set(id, { frames, bytes, resultNumber: this.host.sentCount() });
    this.hold(bytes);
    this.forget();
  }

  private hold(bytes: number): void {
    this.bytes += bytes;
    this.limits.budget.used += bytes;
  }

  private drop(id: string): void {
    const entry = this.memory.get(id);
    if (entry === undefined) return;
    // The entry may still be referenced from a hash table the map has outgrown that sits dead in old
    // space until the next full GC; every scavenge treats that table as live, so an entry still holding
    // its frames would drag them (and, promoted, whatever they reach) along each time.
    if (entry !== PENDING) entry.frames = undefined;
    this.memory.delete(id);
    this.hold(-(entry === PENDING ? id.length : entry.bytes));
  }

  // Oldest first (completion order): results past the byte bounds are forgotten (the id stays, so a
  // copy is refused rather than run); then finished ids past `count` whose result can no longer be
  // replayed are dropped entirely.
  private forget(): void {
    const { budget } = this.limits;
    for (const [id, entry] of this.memory) {
      if (this.bytes <= this.limits.bytes && budget.used <= budget.max) break;
      if (entry === PENDING || entry.frames === undefined) continue;
      entry.frames = undefined;
      this.hold(id.length - entry.bytes);
      entry.bytes = id.length;
    }
    if (this.memory.size <= this.limits.count) return;
    const firstReplayable = this.host.firstReplayable();
    for (const [id, entry] of this.memory) {
      if (entry === PENDING) continue;
      if (entry.resultNumber >= firstReplayable) break; // completion order: the rest are newer
      this.drop(id);
      if (this.memory.size <= this.limits.count) break;
    }
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
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
