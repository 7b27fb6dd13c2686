import { DDPError } from '@ddpx/protocol';

/** Callbacks of `subscribe(name, ...args, callbacks)`. */
export interface SubscribeCallbacks {
  /** Called once, when the subscription's initial data is visible (never again after a reconnect). */
  onReady?: () => void;
  /** Called once when the subscription ends: with the server's error, or none on `stop()`. */
  onStop?: (error?: DDPError) => void;
}

/** What `subscribe` returns. */
export interface SubscriptionHandle {
  /** The subscription id (the same on every re-send). */
  readonly id: string;
  /** Whether the initial data is in (stays true across reconnects). */
  ready(): boolean;
  /** Resolves once ready; rejects with the error if the subscription ends first. */
  whenReady(): Promise<void>;
  /** Unsubscribes: sends `unsub`, `onStop()` runs at once, `ready()` becomes false. */
  stop(): void;
}

/** One live subscription (module-internal: not exported from the package). */
export interface SubscriptionRecord {
  id: string;
  name: string;
  params: unknown[];
  frame: string;
  ready: boolean;
  callbacks: SubscribeCallbacks;
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

/** A subscription that ended without an error from the server. */
export function subscriptionStopped(name: string): DDPError {
  return new DDPError('subscription-stopped', `Subscription '${name}' stopped before it was ready`);
}

/** The live subscriptions, in insertion order (the re-send order on reconnect). */
export class SubscriptionTable {
  readonly records = new Map<string, SubscriptionRecord>();
  /** Ids stopped while no transport was open: their `unsub` goes out with the next resend. */
  private deferredUnsubs: string[] = [];

  constructor(private readonly report: (detail: string) => void) {}

  /** Remembers an `unsub` to send once a transport is open. */
  deferUnsub(id: string): void {
    this.deferredUnsubs.push(id);
  }

  /** The deferred `unsub` ids, oldest first, forgetting them. */
  takeDeferredUnsubs(): string[] {
    const ids = this.deferredUnsubs;
    this.deferredUnsubs = [];
    return ids;
  }

  /** Adds a record. */
  add(record: SubscriptionRecord): void {
    this.records.set(record.id, record);
  }

  /** Marks a subscription ready and fires `onReady` once. */
  markReady(id: string): void {
    const record = this.records.get(id);
    if (!record || record.ready) return;
    record.ready = true;
    this.call(() => record.callbacks.onReady?.());
    for (const waiter of record.waiters.splice(0)) waiter.resolve();
  }

  /** Ends a subscription (nosub, stop or close); fires `onStop(error)`. Returns false when unknown. */
  end(id: string, error?: DDPError, rejectWith?: Error): boolean {
    const record = this.records.get(id);
    if (!record) return false;
    this.records.delete(id);
    record.ready = false;
    this.call(() => record.callbacks.onStop?.(error));
    const reason = error ?? rejectWith ?? subscriptionStopped(record.name);
    for (const waiter of record.waiters.splice(0)) waiter.reject(reason);
    return true;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(`subscription callback threw: ${String(err)}`);
    }
  }
}

/** Whether a trailing `subscribe` argument is a callbacks object. */
export function isCallbacks(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.onReady === 'function' || typeof v.onStop === 'function' || typeof v.onError === 'function';
}
