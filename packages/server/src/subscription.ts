import type { Fields } from '@ddpx/protocol';
import type { MergeBox, SubscriptionHandle } from './mergeBox.js';
import type { Connection, PublicationContext, PublicationHandler } from './types.js';

/** What a subscription needs from its session. */
export interface SubscriptionHost {
  readonly connection: Connection;
  readonly userId: string | null;
  readonly mergeBox: MergeBox;
  /** Sends `ready{subs:[id]}`. */
  sendReady(id: string): void;
  /** The subscription stopped itself (stop/error): the session removes it and sends nosub. */
  stopSubscription(id: string, error?: unknown): void;
  /** A user callback threw. */
  reportError(error: unknown, context: string): void;
}

/** One running publication for one session: Meteor's `Subscription`. */
export class Subscription implements PublicationContext {
  private readonly documents = new Map<string, Set<string>>();
  private readonly stopCallbacks: Array<() => void> = [];
  private deactivated = false;
  private isReady = false;
  /** Set by the session while the handler runs, so `unblock()` can release the queue. */
  unblockHook: (() => void) | undefined;

  constructor(
    private readonly host: SubscriptionHost,
    readonly handle: SubscriptionHandle,
    readonly subscriptionId: string | undefined,
    readonly name: string | null,
    readonly params: unknown[],
    private readonly handler: PublicationHandler,
  ) {}

  get connection(): Connection {
    return this.host.connection;
  }

  /** The handler, so the session can rerun this subscription. */
  get handlerForRerun(): PublicationHandler {
    return this.handler;
  }

  /** Whether `ready` went to the client. */
  get isReadySent(): boolean {
    return this.isReady;
  }

  /** A rerun of a ready subscription does not announce `ready` again. */
  markReadySent(): void {
    this.isReady = true;
  }

  get userId(): string | null {
    return this.host.userId;
  }

  /** Runs the handler; resolves when it returns (a thrown error stops the subscription with it). */
  async run(): Promise<void> {
    try {
      await this.handler.apply(this, this.params);
    } catch (err) {
      this.error(err);
    }
  }

  added(collection: string, id: string, fields: Fields = {}): void {
    if (this.deactivated) return;
    checkDoc(collection, id);
    let ids = this.documents.get(collection);
    if (!ids) {
      ids = new Set();
      this.documents.set(collection, ids);
    }
    ids.add(id);
    this.host.mergeBox.added(this.handle, collection, id, fields);
  }

  changed(collection: string, id: string, fields: Fields): void {
    if (this.deactivated) return;
    checkDoc(collection, id);
    this.host.mergeBox.changed(this.handle, collection, id, fields);
  }

  removed(collection: string, id: string): void {
    if (this.deactivated) return;
    checkDoc(collection, id);
    const ids = this.documents.get(collection);
    if (!ids?.delete(id)) return;
    this.host.mergeBox.removed(this.handle, collection, id);
  }

  ready(): void {
    if (this.deactivated || this.isReady || this.subscriptionId === undefined) return;
    this.isReady = true;
    this.host.sendReady(this.subscriptionId);
  }

  error(error: unknown): void {
    if (this.deactivated) return;
    if (this.subscriptionId === undefined) {
      this.host.reportError(error, 'universal publication');
      this.removeAllDocuments();
      this.deactivate();
      return;
    }
    this.host.stopSubscription(this.subscriptionId, error);
  }

  stop(): void {
    if (this.deactivated) return;
    if (this.subscriptionId === undefined) {
      this.removeAllDocuments();
      this.deactivate();
      return;
    }
    this.host.stopSubscription(this.subscriptionId);
  }

  onStop(callback: () => void): void {
    if (typeof callback !== 'function') throw new TypeError('onStop expects a function');
    if (this.deactivated) queueMicrotask(() => this.runCallback(callback));
    else this.stopCallbacks.push(callback);
  }

  unblock(): void {
    const hook = this.unblockHook;
    this.unblockHook = undefined;
    hook?.();
  }

  /** Withdraws every document this subscription published (the client sees `removed`/`changed`). */
  removeAllDocuments(): void {
    // A deactivated run's documents went with its session (or its stop): nothing is left to withdraw.
    if (this.deactivated) return;
    for (const [collection, ids] of this.documents) {
      for (const id of ids) this.host.mergeBox.removed(this.handle, collection, id);
    }
    this.documents.clear();
  }

  /** Marks the subscription stopped and runs its onStop callbacks. */
  deactivate(): void {
    if (this.deactivated) return;
    this.deactivated = true;
    const callbacks = this.stopCallbacks.splice(0);
    for (const cb of callbacks) this.runCallback(cb);
  }

  private runCallback(cb: () => void): void {
    try {
      cb();
    } catch (err) {
      this.host.reportError(err, 'onStop callback');
    }
  }
}

function checkDoc(collection: unknown, id: unknown): void {
  if (typeof collection !== 'string') throw new TypeError('collection must be a string');
  if (typeof id !== 'string') throw new TypeError('document id must be a string');
}
