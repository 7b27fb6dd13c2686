/** Per-call options of `apply` (Meteor's names). */
export interface ApplyOptions {
  /** Run alone: sent after every earlier method is done, later ones wait for it. @default false */
  wait?: boolean;
  /** Never re-send: a call already sent when the connection drops fails with `invocation-failed`. @default false */
  noRetry?: boolean;
  /** Called as soon as the `result` arrives, before the method's writes are visible. */
  onResultReceived?: (error: Error | undefined, result: unknown) => void;
  /** Reject with the stub's exception and send nothing. @default false */
  throwStubExceptions?: boolean;
  /** Resolve with the stub's return value instead of the server's. @default false */
  returnStubValue?: boolean;
}

const ignore = (): void => {};
// What a finished invoker's `promise` points to once it let go of its own.
const RELEASED: Promise<unknown> = Promise.resolve();

/** The outcome a method's promise settles with. */
export type MethodOutcome = { error: Error; result?: undefined } | { error?: undefined; result: unknown };

/**
 * One outstanding method call (Meteor's MethodInvoker): its encoded frame, whether it was sent on the
 * current transport, its result, and whether its writes are visible. Its callback runs once both the
 * result and data visibility are in: {@link promise} settles, then the queue hears of it.
 */
export class MethodInvoker {
  /** Sent on the current transport (reset on every reconnect). */
  sentMessage = false;
  /** A `noRetry` call in flight across a drop, waiting to learn whether the session was resumed. */
  heldForResume = false;
  /** The result once received. */
  outcome: MethodOutcome | undefined;
  /** Its `updated` was processed and every stub write flushed. */
  dataVisible = false;
  /** The callback ran. */
  finished = false;
  /**
   * The server's outcome: settles when the callback runs (result in and writes visible). Read it when
   * the call is made: once the callback ran the invoker lets go of it (see {@link release}).
   */
  promise: Promise<unknown>;
  private resolve!: (result: unknown) => void;
  private reject!: (error: Error) => void;

  constructor(
    /** The method id ("1", "2", …). */
    readonly id: string,
    /** The call's options. */
    readonly options: ApplyOptions,
    /** The encoded `method` frame (the same bytes on every re-send; emptied once the callback ran). */
    public frame: string,
    private readonly done: (invoker: MethodInvoker) => void,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Whether the call is a wait (barrier) method. */
  get wait(): boolean {
    return this.options.wait === true;
  }

  /** Records the server's result and fires `onResultReceived`. Returns false if a result was already in. */
  receiveResult(outcome: MethodOutcome, report: (detail: string) => void): boolean {
    if (this.outcome) return false;
    this.outcome = outcome;
    const hook = this.options.onResultReceived;
    if (hook) {
      try {
        hook(outcome.error, outcome.result);
      } catch (err) {
        report(`onResultReceived of method ${this.id} threw: ${String(err)}`);
      }
    }
    this.maybeFinish();
    return true;
  }

  /** Marks the call's writes as visible. */
  markDataVisible(): void {
    this.dataVisible = true;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    const outcome = this.outcome;
    if (this.finished || !outcome || !this.dataVisible) return;
    this.finished = true;
    if (outcome.error) this.reject(outcome.error);
    else this.resolve(outcome.result);
    this.done(this);
    this.release();
  }

  // A finished invoker is garbage, but the queue's maps may still reach it from hash tables they have
  // outgrown, which sit dead in old space until the next full GC and which every scavenge treats as
  // live: holding nothing, it drags nothing (the result, the promise, the frame) along each time.
  private release(): void {
    this.outcome = undefined;
    this.resolve = this.reject = ignore;
    this.promise = RELEASED;
    this.frame = '';
  }
}
