import { DDPError, type ServerMessage, type SubMessage, type WireError } from '@ddpx/protocol';
import type { MergeBox } from './mergeBox.js';
import { wireErrorOf } from './methodCall.js';
import { Subscription, type SubscriptionHost } from './subscription.js';
import type { Connection, PublicationHandler } from './types.js';

/** What a session's subscriptions need from it. */
export interface SubscriptionsHost {
  readonly connection: Connection;
  readonly userId: string | null;
  readonly mergeBox: MergeBox;
  publication(name: string): PublicationHandler | undefined;
  universalPublications(): readonly PublicationHandler[];
  send(message: ServerMessage): void;
  reportError(error: unknown, context: string): void;
  /** The `too-many-requests` error when a rate-limit rule refuses this subscription, else undefined. */
  rateLimited(type: 'subscription', name: string): WireError | undefined;
}

/** A session's named and universal subscriptions: Meteor's `_namedSubs`/`_universalSubs`. */
export class Subscriptions implements SubscriptionHost {
  private readonly named = new Map<string, Subscription>();
  private universal: Subscription[] = [];
  /** Runs a rerun is replacing: they withdraw their documents once the new runs have published. */
  private retiring = new Set<Subscription>();
  private nextHandle = 0;

  constructor(private readonly host: SubscriptionsHost) {}

  /** Number of named subscriptions running. */
  get size(): number {
    return this.named.size;
  }

  get connection(): Connection {
    return this.host.connection;
  }
  get userId(): string | null {
    return this.host.userId;
  }
  get mergeBox(): MergeBox {
    return this.host.mergeBox;
  }

  /** Handles `sub`: duplicate ids are ignored, unknown names get nosub 404. Resolves when the handler returns. */
  start(msg: SubMessage): void | Promise<void> {
    if (this.named.has(msg.id)) return;
    const handler = this.host.publication(msg.name);
    if (!handler) {
      const error = new DDPError(404, `Subscription '${msg.name}' not found`).toWire();
      this.host.send({ msg: 'nosub', id: msg.id, error });
      return;
    }
    const refused = this.host.rateLimited('subscription', msg.name);
    if (refused) {
      this.host.send({ msg: 'nosub', id: msg.id, error: refused });
      return;
    }
    const sub = new Subscription(this, this.handle(), msg.id, msg.name, msg.params ?? [], handler);
    this.named.set(msg.id, sub);
    return this.runBlocking(sub);
  }

  /** Starts every universal (null-named) publication. */
  startUniversal(): void {
    for (const handler of this.host.universalPublications()) {
      const sub = new Subscription(this, this.handle(), undefined, null, [], handler);
      this.universal.push(sub);
      void sub.run();
    }
  }

  /** Handles `unsub` (and stop/error): removes the documents, runs onStop, then sends nosub. */
  stopSubscription(id: string, error?: unknown): void {
    const sub = this.named.get(id);
    if (sub) {
      this.named.delete(id);
      sub.removeAllDocuments();
      sub.deactivate();
    }
    if (error === undefined) {
      this.host.send({ msg: 'nosub', id });
      return;
    }
    const { wire, internal } = wireErrorOf(error);
    if (internal) this.host.reportError(error, `publication '${sub?.name ?? id}'`);
    this.host.send({ msg: 'nosub', id, error: wire });
  }

  sendReady(id: string): void {
    this.host.send({ msg: 'ready', subs: [id] });
  }

  reportError(error: unknown, context: string): void {
    this.host.reportError(error, context);
  }

  /** The session ended: every subscription stops silently (onStop runs, no nosub or removed). */
  deactivateAll(): void {
    const subs = [...this.named.values(), ...this.universal, ...this.retiring];
    this.named.clear();
    this.universal = [];
    this.retiring.clear();
    for (const sub of subs) sub.deactivate();
  }

  /**
   * Reruns every subscription (the user id changed): new runs publish first, then the old runs'
   * documents are withdrawn, so the client only sees the difference.
   */
  async rerunAll(): Promise<void> {
    const old = [...this.named.values(), ...this.universal];
    for (const prev of old) this.retiring.add(prev);
    const runs: Promise<void>[] = [];
    const universal: Subscription[] = [];
    for (const prev of old) {
      const handler = prev.handlerForRerun;
      const next = new Subscription(
        this,
        this.handle(),
        prev.subscriptionId,
        prev.name,
        prev.params,
        handler,
      );
      if (prev.isReadySent) next.markReadySent();
      if (prev.subscriptionId === undefined) universal.push(next);
      else this.named.set(prev.subscriptionId, next);
      runs.push(next.run());
    }
    this.universal = universal;
    await Promise.all(runs);
    // A run retired meanwhile (the session ended) is deactivated already; its documents went with it.
    for (const prev of old) {
      this.retiring.delete(prev);
      prev.removeAllDocuments();
      prev.deactivate();
    }
  }

  private runBlocking(sub: Subscription): void | Promise<void> {
    return new Promise<void>((resolve) => {
      sub.unblockHook = resolve;
      sub.run().then(resolve, resolve);
    });
  }

  private handle(): string {
    return `s${this.nextHandle++}`;
  }
}
