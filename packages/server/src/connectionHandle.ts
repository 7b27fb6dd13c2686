import type { Connection, TransportKind } from './types.js';

/** What a connection handle needs from its session. */
export interface ConnectionOwner {
  readonly transport: TransportKind;
  /** Bytes queued on the current socket. */
  readonly bufferedAmount: number;
  /** Whether the session has ended (derived from the session machine's snapshot). */
  readonly ended: boolean;
  /** Asks the session to close (not resumable). */
  requestClose(): void;
  /** A callback threw. */
  reportError(error: unknown, context: string): void;
}

/** The public connection object: Meteor's `connectionHandle`. */
export class ConnectionHandle implements Connection {
  // Created by the first onClose; `closed` once they ran (or were dropped).
  private closeCallbacks: Array<() => void> | undefined;
  private closed = false;

  constructor(
    readonly id: string,
    readonly clientAddress: string | null,
    readonly httpHeaders: Readonly<Record<string, string>>,
    private readonly owner: ConnectionOwner,
  ) {}

  get transport(): TransportKind {
    return this.owner.transport;
  }

  get bufferedAmount(): number {
    return this.owner.bufferedAmount;
  }

  close(): void {
    this.owner.requestClose();
  }

  onClose(callback: () => void): void {
    if (typeof callback !== 'function') throw new TypeError('onClose expects a function');
    if (this.closed || this.owner.ended) {
      setImmediate(() => this.run(callback));
      return;
    }
    this.closeCallbacks ??= [];
    this.closeCallbacks.push(callback);
  }

  /** Runs the onClose callbacks once, deferred (called when the session really ends). */
  runCloseCallbacks(): void {
    const callbacks = this.closeCallbacks;
    this.closeCallbacks = undefined;
    this.closed = true;
    if (!callbacks || callbacks.length === 0) return;
    setImmediate(() => {
      for (const cb of callbacks) this.run(cb);
    });
  }

  private run(cb: () => void): void {
    try {
      cb();
    } catch (err) {
      this.owner.reportError(err, 'onClose callback');
    }
  }
}
