import type {
  AddedMessage,
  ChangedMessage,
  NosubMessage,
  ReadyMessage,
  RemovedMessage,
  UpdatedMessage,
} from '@ddpx/protocol';
import { type Doc, LocalCollection, type StoreUpdate, type WriteGuard } from './localCollection.js';

/** The server messages that carry data (buffered during quiescence, §4.4). */
export type DataMessage =
  | AddedMessage
  | ChangedMessage
  | RemovedMessage
  | ReadyMessage
  | UpdatedMessage
  | NosubMessage;

/** The server's version of a document some stub wrote, kept until every writing method is `updated`. */
interface ServerDoc {
  document: Doc | undefined;
  writtenByStubs: Set<string>;
  flushCallbacks: (() => void)[];
}

/** What the data layer needs from its connection. */
export interface DataLayerHost {
  /** A method's `updated` (and its stubs' flush) is in. */
  methodDataVisible(methodId: string): void;
  /** Whether a method's callback has not run yet. */
  methodKnown(methodId: string): boolean;
  /** An `updated` named a method that is not live (a duplicate after a resume, or bad input). */
  unknownUpdated(methodId: string): void;
  /** Whether a method id is live and was sent on this transport. */
  methodSent(methodId: string): boolean;
  /** A subscription's `ready` is visible. */
  subscriptionReady(subId: string): void;
  /** The reconnect store reset was applied (send `QUIESCENCE.REACHED`). */
  resetApplied(): void;
  /** Logs inconsistent data from the server. */
  report(detail: string): void;
  /** The running stub's write guard, if a stub is running. */
  currentGuard(): WriteGuard | undefined;
}

type Pending = [collection: string, update: StoreUpdate][];

/**
 * The client's data: local collections, the server versions of stub-written documents, and the
 * quiescence buffer (Meteor's `_stores`, `_serverDocuments`, `_messagesBufferedUntilQuiescence`).
 */
export class DataLayer {
  /** Local collections by name. */
  readonly collections = new Map<string, LocalCollection>();
  private serverDocs = new Map<string, Map<string, ServerDoc>>();
  private writtenByStub = new Map<string, { collection: string; id: string }[]>();
  /** Methods whose `updated` must arrive before buffered data is applied (wait methods, reconnect). */
  private readonly methodBlockers = new Set<string>();
  /** Ready subscriptions being revived after a reconnect, until their `ready` arrives again. */
  private readonly subsBeingRevived = new Set<string>();
  private buffered: DataMessage[] = [];
  private afterUpdate: (() => void)[] = [];
  /** Store bookkeeping: the stores hold an older session's data and must be reset at the next flush. */
  private resetPending = false;

  constructor(private readonly host: DataLayerHost) {}

  /** Buffered data waits for this method's `updated` (a sent method, during quiescence). */
  blockQuiescenceOn(methodId: string): void {
    this.methodBlockers.add(methodId);
  }

  /** A subscription stopped by the app: quiescence no longer waits for its `ready`. */
  forgetSubscription(id: string): void {
    this.subsBeingRevived.delete(id);
  }

  /** The collection named `name`, created on first use. */
  collection(name: string): LocalCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new LocalCollection(name, this.host.report, this.host.currentGuard);
      this.collections.set(name, collection);
    }
    return collection;
  }

  /** Nothing to flush, revert, reset or wait for: an `updated` can be applied without bookkeeping. */
  private idle(): boolean {
    return (
      this.serverDocs.size === 0 &&
      this.writtenByStub.size === 0 &&
      this.afterUpdate.length === 0 &&
      !this.resetPending &&
      !this.waitingForQuiescence()
    );
  }

  /** Whether data is being held back (§4.4). */
  waitingForQuiescence(): boolean {
    return this.subsBeingRevived.size > 0 || this.methodBlockers.size > 0;
  }

  /** Handles one data message: buffered while waiting for quiescence, else applied now. */
  receive(msg: DataMessage): void {
    if (msg.msg === 'updated' && msg.methods.length === 1 && this.idle()) {
      // The per-call path: one method's `updated` with no stub writes, buffers or callbacks pending.
      const id = msg.methods[0]!;
      if (this.host.methodKnown(id)) this.host.methodDataVisible(id);
      else this.host.unknownUpdated(id);
      return;
    }
    const pending: Pending = [];
    if (this.waitingForQuiescence()) {
      this.buffered.push(msg);
      if (msg.msg === 'nosub') this.subsBeingRevived.delete(msg.id);
      else if (msg.msg === 'ready') for (const id of msg.subs) this.subsBeingRevived.delete(id);
      else if (msg.msg === 'updated') for (const id of msg.methods) this.methodBlockers.delete(id);
      if (this.waitingForQuiescence()) return;
      const messages = this.buffered;
      this.buffered = [];
      for (const m of messages) this.process(m, pending);
    } else {
      this.process(msg, pending);
    }
    this.performWrites(pending);
  }

  /**
   * A new session after a previous one (§4.3 steps 4–7): drop stub bookkeeping, revive ready
   * subscriptions, block on methods sent on this transport, queue half-finished callbacks; reset
   * the stores at once when nothing blocks.
   */
  beginQuiescence(
    readySubs: Iterable<string>,
    methods: Iterable<{ id: string; gotResult: boolean; sent: boolean }>,
    dataVisible: (id: string) => void,
  ): void {
    this.resetPending = true;
    this.writtenByStub.clear();
    this.serverDocs.clear();
    this.afterUpdate = [];
    this.subsBeingRevived.clear();
    for (const id of readySubs) this.subsBeingRevived.add(id);
    this.methodBlockers.clear();
    for (const m of methods) {
      if (m.gotResult) this.afterUpdate.push(() => dataVisible(m.id));
      else if (m.sent) this.methodBlockers.add(m.id);
    }
    this.buffered = [];
    if (!this.waitingForQuiescence()) this.performWrites([]);
  }

  /** The first session (§4.3 with no previous session): nothing is reset; stale buffers are dropped. */
  beginFirstSession(): void {
    this.afterUpdate = [];
    this.subsBeingRevived.clear();
  }

  /** A stub ran as method `methodId` and wrote these documents (their originals). */
  recordStubWrites(methodId: string, originals: Map<string, Map<string, Doc | undefined>>): void {
    const written: { collection: string; id: string }[] = [];
    for (const [collection, docs] of originals) {
      let byId = this.serverDocs.get(collection);
      if (!byId) {
        byId = new Map();
        this.serverDocs.set(collection, byId);
      }
      for (const [id, original] of docs) {
        written.push({ collection, id });
        const existing = byId.get(id);
        if (existing) existing.writtenByStubs.add(methodId);
        else byId.set(id, { document: original, writtenByStubs: new Set([methodId]), flushCallbacks: [] });
      }
    }
    if (written.length > 0) this.writtenByStub.set(methodId, written);
  }

  /** Undoes a stub's writes that will never be sent (throwStubExceptions, or a call inside a stub failing). */
  revertStubWrites(originals: Map<string, Map<string, Doc | undefined>>): void {
    for (const [collection, docs] of originals) {
      const store = this.collection(collection);
      store.beginUpdate(false);
      for (const [id, original] of docs) {
        if (this.serverDocs.get(collection)?.has(id)) continue;
        store.apply({ msg: 'replace', id, replace: original });
      }
      store.endUpdate();
    }
  }

  private serverDoc(collection: string, id: string): ServerDoc | undefined {
    return this.serverDocs.size === 0 ? undefined : this.serverDocs.get(collection)?.get(id);
  }

  private process(msg: DataMessage, pending: Pending): void {
    switch (msg.msg) {
      case 'added': {
        const serverDoc = this.serverDoc(msg.collection, msg.id);
        if (!serverDoc)
          return void pending.push([msg.collection, { msg: 'added', id: msg.id, fields: msg.fields }]);
        const existed = serverDoc.document !== undefined;
        serverDoc.document = { ...(msg.fields ?? {}), _id: msg.id };
        if (this.resetPending) {
          // Keep the stub's values through the reset (test "method call between reset and quiescence").
          const current = this.collections.get(msg.collection)?.getDoc(msg.id);
          pending.push([msg.collection, { msg: 'added', id: msg.id, fields: current ?? msg.fields }]);
        } else if (existed) this.host.report(`added for existing id ${msg.collection}/${msg.id}`);
        return;
      }
      case 'changed': {
        const serverDoc = this.serverDoc(msg.collection, msg.id);
        if (!serverDoc)
          return void pending.push([msg.collection, { msg: 'changed', id: msg.id, fields: msg.fields }]);
        if (!serverDoc.document)
          return void this.host.report(`changed for missing id ${msg.collection}/${msg.id}`);
        const next: Doc = { ...serverDoc.document };
        for (const key in msg.fields ?? {}) {
          const value = msg.fields![key];
          if (value === undefined) delete next[key];
          else if (key !== '_id') next[key] = value;
        }
        serverDoc.document = next;
        return;
      }
      case 'removed': {
        const serverDoc = this.serverDoc(msg.collection, msg.id);
        if (!serverDoc) return void pending.push([msg.collection, { msg: 'removed', id: msg.id }]);
        if (!serverDoc.document)
          return void this.host.report(`removed for missing id ${msg.collection}/${msg.id}`);
        serverDoc.document = undefined;
        return;
      }
      case 'ready':
        for (const id of msg.subs) this.whenServerDocsFlushed(() => this.host.subscriptionReady(id));
        return;
      case 'updated':
        for (const methodId of msg.methods) this.processUpdated(methodId, pending);
        return;
      case 'nosub':
        return;
    }
  }

  private processUpdated(methodId: string, pending: Pending): void {
    const written = this.writtenByStub.get(methodId);
    if (written) {
      this.writtenByStub.delete(methodId);
      for (const { collection, id } of written) {
        const serverDoc = this.serverDoc(collection, id);
        if (!serverDoc?.writtenByStubs.delete(methodId)) continue;
        if (serverDoc.writtenByStubs.size > 0) continue;
        // Every stub that wrote this document is done: show the server's version (reverting the stub).
        pending.push([collection, { msg: 'replace', id, replace: serverDoc.document }]);
        this.serverDocs.get(collection)?.delete(id);
        for (const callback of serverDoc.flushCallbacks) callback();
      }
    }
    if (!this.host.methodKnown(methodId)) {
      this.host.unknownUpdated(methodId);
      return;
    }
    this.whenServerDocsFlushed(() => this.host.methodDataVisible(methodId));
  }

  // Runs `fn` after the current batch is written, once no document written by a sent method's stub is pending.
  private whenServerDocsFlushed(fn: () => void): void {
    if (this.serverDocs.size === 0) return void this.afterUpdate.push(fn);
    let unflushed = 0;
    const onFlush = () => {
      if (--unflushed === 0) this.afterUpdate.push(fn);
    };
    for (const byId of this.serverDocs.values()) {
      for (const serverDoc of byId.values()) {
        for (const methodId of serverDoc.writtenByStubs) {
          if (this.host.methodSent(methodId)) {
            unflushed++;
            serverDoc.flushCallbacks.push(onFlush);
            break;
          }
        }
      }
    }
    if (unflushed === 0) this.afterUpdate.push(fn);
  }

  private performWrites(pending: Pending): void {
    const reset = this.resetPending;
    if (reset || pending.length > 0) {
      if (reset) {
        this.resetPending = false;
        for (const store of this.collections.values()) store.beginUpdate(true);
      }
      if (pending.length === 1 && !reset) {
        const [name, update] = pending[0]!;
        const store = this.collection(name);
        store.beginUpdate(false);
        store.apply(update);
        store.endUpdate();
      } else {
        const touched = new Set<LocalCollection>();
        for (const [name, update] of pending) {
          const store = this.collection(name);
          if (!touched.has(store)) {
            store.beginUpdate(false);
            touched.add(store);
          }
          store.apply(update);
        }
        for (const store of this.collections.values()) if (reset || touched.has(store)) store.endUpdate();
      }
    }
    if (this.afterUpdate.length > 0) {
      const callbacks = this.afterUpdate;
      this.afterUpdate = [];
      for (const callback of callbacks) callback();
    }
    if (reset) this.host.resetApplied();
  }
}
