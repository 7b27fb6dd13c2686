import { DDPError } from '@ddpx/protocol';
import type { MethodInvoker, MethodOutcome } from './methodInvoker.js';

/** A run of methods sent together; a `wait` block holds exactly one method. */
interface Block {
  wait: boolean;
  methods: Map<string, MethodInvoker>;
}

/** What the queue needs from its connection. */
export interface MethodQueueHost {
  /** Whether frames can be written now (transport open). */
  canSend(): boolean;
  /** Writes one frame. */
  write(frame: string): void;
  /** A wait method was sent: its data is held until its `updated` (quiescence). */
  blockQuiescence(methodId: string): void;
  /** Every method callback has run (for reload readiness). */
  allFinished(): void;
  /** Logs an internal inconsistency. */
  report(detail: string): void;
}

/** Meteor's error for a `noRetry` call lost with its connection. */
export function invocationFailed(): DDPError {
  return new DDPError(
    'invocation-failed',
    'Method invocation might have failed due to dropped connection. Failing because `noRetry` option was passed to Meteor.apply.',
  );
}

/**
 * The outstanding methods as Meteor orders them (§4.5): a list of blocks where only block 0 is in
 * flight; a `wait` method gets its own block; the next block is sent once every sent method's
 * callback has run. On reconnect the blocks are set aside while reconnect hooks call their own
 * methods, then merged back (§4.1 step 5).
 */
export class MethodQueue {
  private blocks: Block[] = [];
  private oldBlocks: Block[] | undefined;
  private readonly invokers = new Map<string, MethodInvoker>();
  private sentCount = 0;

  constructor(private readonly host: MethodQueueHost) {}

  /** Live invokers (callback not yet run), by id. */
  get(id: string): MethodInvoker | undefined {
    return this.invokers.get(id);
  }

  /** Every live invoker. */
  all(): IterableIterator<MethodInvoker> {
    return this.invokers.values();
  }

  /** Number of calls whose callback has not run. */
  get outstanding(): number {
    return this.invokers.size;
  }

  /** Queues a call; it is sent now if it lands in block 0 and the transport is open. */
  add(invoker: MethodInvoker): void {
    this.invokers.set(invoker.id, invoker);
    const last = this.blocks[this.blocks.length - 1];
    if (invoker.wait || !last || last.wait) {
      this.blocks.push({ wait: invoker.wait, methods: new Map([[invoker.id, invoker]]) });
    } else {
      last.methods.set(invoker.id, invoker);
    }
    if (this.blocks.length === 1) this.send(invoker);
  }

  /** A `result` arrived: matched against block 0 only. Returns false when no such method is in flight. */
  result(id: string, outcome: MethodOutcome): boolean {
    const block = this.blocks[0];
    const invoker = block?.methods.get(id);
    if (!block || !invoker) return false;
    block.methods.delete(id);
    if (invoker.heldForResume) invoker.heldForResume = false;
    return invoker.receiveResult(outcome, this.host.report);
  }

  /** Called by an invoker whose callback ran. */
  finished(invoker: MethodInvoker): void {
    this.invokers.delete(invoker.id);
    this.setSent(invoker, false);
    if (this.sentCount > 0) return;
    if (this.blocks.length > 0) {
      const first = this.blocks[0]!;
      if (first.methods.size > 0) {
        // Only unsent methods remain in block 0 (e.g. queued while offline): send them.
        this.sendBlock0();
      } else {
        this.blocks.shift();
        if (this.blocks.length > 0) this.sendBlock0();
      }
    }
    if (this.invokers.size === 0) this.host.allFinished();
  }

  /**
   * Transport reopened (§4.1 steps 2–5a): sent `noRetry` calls of block 0 fail now, or are held when
   * `holdNoRetry` (the session may be resumed); every call is marked unsent; the blocks are set aside.
   */
  beginReconnect(holdNoRetry: boolean): void {
    // A drop while hooks were still running: fold the set-aside blocks back first.
    if (this.oldBlocks) this.merge(false);
    const first = this.blocks[0];
    if (first) {
      for (const invoker of [...first.methods.values()]) {
        if (!invoker.sentMessage || invoker.options.noRetry !== true) continue;
        if (holdNoRetry) {
          invoker.heldForResume = true;
          continue;
        }
        first.methods.delete(invoker.id);
        this.setSent(invoker, false);
        invoker.receiveResult({ error: invocationFailed() }, this.host.report);
      }
      if (first.methods.size === 0) this.blocks.shift();
    }
    for (const invoker of this.invokers.values()) if (!invoker.heldForResume) this.setSent(invoker, false);
    this.oldBlocks = this.blocks;
    this.blocks = [];
  }

  /** Reconnect hooks are done (§4.1 step 5e): merge the old blocks behind the hooks' calls and send block 0. */
  replay(): void {
    this.merge(true);
  }

  private merge(send: boolean): void {
    const old = this.oldBlocks;
    this.oldBlocks = undefined;
    if (!old || old.length === 0) return;
    if (this.blocks.length === 0) {
      this.blocks = old;
      if (send) this.sendBlock0();
      return;
    }
    const last = this.blocks[this.blocks.length - 1]!;
    const firstOld = old[0]!;
    if (!last.wait && !firstOld.wait) {
      for (const invoker of firstOld.methods.values()) {
        last.methods.set(invoker.id, invoker);
        if (send && this.blocks.length === 1) this.send(invoker);
      }
      old.shift();
    }
    this.blocks.push(...old);
  }

  /** The session is known (§8): held `noRetry` calls fail on a new session, stay in flight on a resumed one. */
  settleHeld(resumed: boolean): void {
    const first = this.blocks[0] ?? this.oldBlocks?.[0];
    if (!first) return;
    for (const invoker of [...first.methods.values()]) {
      if (!invoker.heldForResume) continue;
      invoker.heldForResume = false;
      if (resumed) continue;
      first.methods.delete(invoker.id);
      this.setSent(invoker, false);
      invoker.receiveResult({ error: invocationFailed() }, this.host.report);
    }
  }

  /** `close()`: every outstanding call fails with `error`. */
  failAll(error: Error): void {
    const all = [...this.invokers.values()];
    this.blocks = [];
    this.oldBlocks = undefined;
    this.sentCount = 0;
    for (const invoker of all) {
      invoker.sentMessage = false;
      if (!invoker.outcome) invoker.receiveResult({ error }, this.host.report);
      invoker.markDataVisible();
    }
  }

  private sendBlock0(): void {
    const first = this.blocks[0];
    if (first) for (const invoker of first.methods.values()) this.send(invoker);
  }

  private send(invoker: MethodInvoker): void {
    if (invoker.sentMessage || invoker.outcome || !this.host.canSend()) return;
    this.setSent(invoker, true);
    invoker.dataVisible = false;
    if (invoker.wait) this.host.blockQuiescence(invoker.id);
    this.host.write(invoker.frame);
  }

  private setSent(invoker: MethodInvoker, sent: boolean): void {
    if (invoker.sentMessage === sent) return;
    invoker.sentMessage = sent;
    this.sentCount += sent ? 1 : -1;
  }
}
