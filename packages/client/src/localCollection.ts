import { ejsonClone, ejsonEquals } from '@ddpx/protocol';

/** A client-side document: its fields plus `_id`. */
export type Doc = { _id: string } & Record<string, unknown>;

/** One net change to a collection, emitted after each applied batch. */
export type CollectionChange =
  | { type: 'added'; id: string; doc: Doc }
  | { type: 'changed'; id: string; doc: Doc; previous: Doc }
  | { type: 'removed'; id: string; previous: Doc };

/** A store update as the connection applies it (Meteor's store protocol). */
export type StoreUpdate =
  | { msg: 'added'; id: string; fields?: Record<string, unknown> }
  | { msg: 'changed'; id: string; fields?: Record<string, unknown> }
  | { msg: 'removed'; id: string }
  | { msg: 'replace'; id: string; replace: Doc | undefined };

/** A filter for {@link LocalCollection.find}: a predicate, or fields that must be equal (EJSON). */
export type Selector = ((doc: Doc) => boolean) | Record<string, unknown>;

/** Where a collection reports inconsistent server data (an add for an existing id, ...). */
export type InconsistencyReporter = (detail: string) => void;

/** The running stub's view of a write: it records each document's original and draws insert ids. */
export interface WriteGuard {
  /** Records the document as it was before the stub's first write to it. */
  record(collection: string, id: string, original: Doc | undefined): void;
  /** A new id from the simulation's random stream (which makes the call send a `randomSeed`). */
  id(stream: string): string;
}

function matches(doc: Doc, selector: Selector | undefined): boolean {
  if (selector === undefined) return true;
  if (typeof selector === 'function') return selector(doc);
  for (const key in selector) if (!ejsonEquals(doc[key], selector[key])) return false;
  return true;
}

/**
 * A local collection fed by the server's `added`/`changed`/`removed` (Meteor's minimongo, reduced to
 * what a client needs): `find`, `findOne`, `onChange`. Documents are replaced, never mutated, so every
 * object returned stays a stable snapshot; `find()` without a selector returns the same array until
 * the next change (fit for `useSyncExternalStore`). Writes (`insert`/`update`/`remove`) are allowed
 * only inside a method stub; the server's answer reverts or replaces them.
 */
export class LocalCollection {
  private readonly docs = new Map<string, Doc>();
  private readonly listeners = new Set<(changes: readonly CollectionChange[]) => void>();
  private touched: Map<string, Doc | undefined> | undefined;
  private snapshot: readonly Doc[] | undefined;

  constructor(
    /** The collection name on the wire. */
    readonly name: string,
    private readonly report: InconsistencyReporter,
    private readonly guard: () => WriteGuard | undefined,
  ) {}

  /** Every document (optionally filtered), in insertion order. */
  find(selector?: Selector): readonly Doc[] {
    if (selector === undefined) {
      if (!this.snapshot) this.snapshot = Object.freeze([...this.docs.values()]);
      return this.snapshot;
    }
    const out: Doc[] = [];
    for (const doc of this.docs.values()) if (matches(doc, selector)) out.push(doc);
    return out;
  }

  /** The document with this id, or the first one matching a selector. */
  findOne(idOrSelector?: string | Selector): Doc | undefined {
    if (typeof idOrSelector === 'string') return this.docs.get(idOrSelector);
    for (const doc of this.docs.values()) if (matches(doc, idOrSelector)) return doc;
    return undefined;
  }

  /** Number of documents. */
  get size(): number {
    return this.docs.size;
  }

  /** Listens to net changes, one call per applied batch; returns the unsubscribe function. */
  onChange(listener: (changes: readonly CollectionChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Inserts a document from a method stub; returns its id (drawn from the stub's random stream). */
  insert(doc: Record<string, unknown>): string {
    const guard = this.requireGuard();
    const id = typeof doc._id === 'string' ? doc._id : guard.id(`/collection/${this.name}`);
    if (this.docs.has(id)) throw new Error(`Duplicate _id '${id}' in ${this.name}`);
    guard.record(this.name, id, undefined);
    this.batch(() => this.apply({ msg: 'replace', id, replace: { ...ejsonClone(doc), _id: id } }));
    return id;
  }

  /** Updates a document from a method stub: `{ $set, $unset }` or plain fields to set. Returns 1 or 0. */
  update(id: string, modifier: Record<string, unknown>): number {
    const guard = this.requireGuard();
    const current = this.docs.get(id);
    if (!current) return 0;
    guard.record(this.name, id, current);
    const next: Doc = { ...current };
    const hasOps = '$set' in modifier || '$unset' in modifier;
    const set = (hasOps ? modifier.$set : modifier) as Record<string, unknown> | undefined;
    for (const key in set ?? {}) if (key !== '_id') next[key] = ejsonClone(set![key]);
    for (const key in (modifier.$unset as object | undefined) ?? {}) delete next[key];
    this.batch(() => this.apply({ msg: 'replace', id, replace: next }));
    return 1;
  }

  /** Removes a document from a method stub. Returns 1 or 0. */
  remove(id: string): number {
    const guard = this.requireGuard();
    const current = this.docs.get(id);
    if (!current) return 0;
    guard.record(this.name, id, current);
    this.batch(() => this.apply({ msg: 'replace', id, replace: undefined }));
    return 1;
  }

  /** @internal Starts a batch; with `reset`, every document is dropped first. */
  beginUpdate(reset: boolean): void {
    if (!this.touched) this.touched = new Map();
    if (reset) {
      for (const [id, doc] of this.docs) if (!this.touched.has(id)) this.touched.set(id, doc);
      this.docs.clear();
    }
  }

  /** @internal Applies one update inside a batch. */
  apply(update: StoreUpdate): void {
    const { id } = update;
    const current = this.docs.get(id);
    const touched = this.touched;
    if (touched && !touched.has(id)) touched.set(id, current);
    switch (update.msg) {
      case 'added': {
        if (current) this.report(`added for existing id ${this.name}/${id}`);
        this.docs.set(id, { ...(update.fields ?? {}), _id: id });
        return;
      }
      case 'changed': {
        if (!current) return void this.report(`changed for missing id ${this.name}/${id}`);
        const next: Doc = { ...current };
        for (const key in update.fields ?? {}) {
          const value = update.fields![key];
          if (key === '_id') continue;
          if (value === undefined) delete next[key];
          else next[key] = value;
        }
        this.docs.set(id, next);
        return;
      }
      case 'removed': {
        if (!current) return void this.report(`removed for missing id ${this.name}/${id}`);
        this.docs.delete(id);
        return;
      }
      case 'replace': {
        if (update.replace) this.docs.set(id, { ...update.replace, _id: id });
        else this.docs.delete(id);
      }
    }
  }

  /** @internal Ends a batch and notifies listeners of the net changes. */
  endUpdate(): void {
    const touched = this.touched;
    this.touched = undefined;
    if (!touched || touched.size === 0) return;
    const changes: CollectionChange[] = [];
    for (const [id, before] of touched) {
      const after = this.docs.get(id);
      if (before === after) continue;
      if (!before && after) changes.push({ type: 'added', id, doc: after });
      else if (before && !after) changes.push({ type: 'removed', id, previous: before });
      else if (before && after) {
        if (ejsonEquals(before, after)) this.docs.set(id, before);
        else changes.push({ type: 'changed', id, doc: after, previous: before });
      }
    }
    if (changes.length === 0) return;
    this.snapshot = undefined;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        this.report(`onChange listener threw: ${String(err)}`);
      }
    }
  }

  /** @internal The current version of a document (no copy). */
  getDoc(id: string): Doc | undefined {
    return this.docs.get(id);
  }

  private batch(run: () => void): void {
    const outer = this.touched !== undefined;
    this.beginUpdate(false);
    run();
    if (!outer) this.endUpdate();
  }

  private requireGuard(): WriteGuard {
    const guard = this.guard();
    if (!guard) throw new TypeError(`${this.name}: local writes are only allowed inside a method stub`);
    return guard;
  }
}
