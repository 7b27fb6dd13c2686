import { ejsonClone, ejsonEquals, encode, type Fields, type ServerMessage } from '@ddpx/protocol';

/** Identifies one subscription's contributions inside a session's merge box. */
export type SubscriptionHandle = string;

interface Precedence {
  sub: SubscriptionHandle;
  value: unknown;
}

// One document as the client sees it: which subscriptions publish it and, per field, every
// subscription's value in precedence order (the head is the visible one), as Meteor's merge box.
class DocumentView {
  readonly existsIn = new Set<SubscriptionHandle>();
  readonly dataByKey = new Map<string, Precedence[]>();

  fields(): Fields {
    const out: Fields = {};
    for (const [key, list] of this.dataByKey) out[key] = list[0]?.value;
    return out;
  }

  clearField(sub: SubscriptionHandle, key: string, collector: Fields): void {
    if (key === '_id') return;
    const list = this.dataByKey.get(key);
    if (!list) return;
    let removed: unknown;
    let wasHead = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.sub === sub) {
        if (i === 0) {
          wasHead = true;
          removed = list[0]!.value;
        }
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) {
      this.dataByKey.delete(key);
      collector[key] = undefined;
    } else if (wasHead && !ejsonEquals(removed, list[0]!.value)) {
      collector[key] = list[0]!.value;
    }
  }

  changeField(sub: SubscriptionHandle, key: string, value: unknown, collector: Fields, isAdd: boolean): void {
    if (key === '_id') return;
    const cloned = ejsonClone(value);
    const list = this.dataByKey.get(key);
    if (!list) {
      this.dataByKey.set(key, [{ sub, value: cloned }]);
      collector[key] = cloned;
      return;
    }
    const mine = isAdd ? undefined : list.find((p) => p.sub === sub);
    if (mine) {
      if (mine === list[0] && !ejsonEquals(cloned, mine.value)) collector[key] = cloned;
      mine.value = cloned;
    } else {
      list.push({ sub, value: cloned });
    }
  }
}

/** Where a merge box's messages go: its session (messages are encoded there; frames are already encoded). */
export interface MergeBoxOutput {
  /** Encodes and writes one message. */
  send(message: ServerMessage): void;
  /** Writes one already encoded message. */
  writeFrame(frame: string): void;
}

// The last `changed` frame any merge box encoded, with what it was encoded from. One change published
// to many sessions yields the same visible change in each: it is encoded once, not once per session.
let lastChanged:
  | { collection: string; id: string; keys: string[]; values: unknown[]; frame: string }
  | undefined;

const isPlain = (v: unknown): boolean =>
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  v === null ||
  (typeof v === 'number' && Number.isFinite(v));

// The encoded `changed` for fields whose values are all plain JSON scalars (encoded as they are, so
// equal inputs give equal frames), from the cache when the last one had exactly these keys and values.
function changedFrame(collection: string, id: string, fields: Fields): string | undefined {
  const last = lastChanged;
  let i = 0;
  let same = last !== undefined && last.collection === collection && last.id === id;
  for (const key in fields) {
    const value = fields[key];
    if (!isPlain(value)) return undefined;
    if (same && (last!.keys[i] !== key || last!.values[i] !== value)) same = false;
    i++;
  }
  if (same && i === last!.keys.length) return last!.frame;
  const frame = encode({ msg: 'changed', collection, id, fields });
  lastChanged = { collection, id, keys: Object.keys(fields), values: Object.values(fields), frame };
  return frame;
}

/**
 * A session's view of every collection: merges what each subscription publishes so the client gets
 * one `added` per document, `changed` only for visible differences and `removed` when the last
 * subscription publishing a document lets go of it.
 */
export class MergeBox {
  private readonly collections = new Map<string, Map<string, DocumentView>>();

  constructor(private readonly out: MergeBoxOutput) {}

  private send(message: ServerMessage): void {
    this.out.send(message);
  }

  /** A subscription publishes document `id` (again) with `fields`. */
  added(sub: SubscriptionHandle, collection: string, id: string, fields: Fields): void {
    let docs = this.collections.get(collection);
    if (!docs) {
      docs = new Map();
      this.collections.set(collection, docs);
    }
    let doc = docs.get(id);
    const isNew = doc === undefined;
    if (!doc) {
      doc = new DocumentView();
      docs.set(id, doc);
    }
    doc.existsIn.add(sub);
    const collector: Fields = {};
    for (const key in fields) doc.changeField(sub, key, fields[key], collector, true);
    if (isNew) this.send({ msg: 'added', collection, id, fields: collector });
    else if (hasKeys(collector)) this.send({ msg: 'changed', collection, id, fields: collector });
  }

  /** A subscription changes fields of a document it published; `undefined` values clear fields. */
  changed(sub: SubscriptionHandle, collection: string, id: string, fields: Fields): void {
    const doc = this.collections.get(collection)?.get(id);
    if (!doc) throw new Error(`Could not find element with id ${id} to change`);
    const collector: Fields = {};
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) doc.clearField(sub, key, collector);
      else doc.changeField(sub, key, value, collector, false);
    }
    if (!hasKeys(collector)) return;
    const frame = changedFrame(collection, id, collector);
    if (frame === undefined) this.send({ msg: 'changed', collection, id, fields: collector });
    else this.out.writeFrame(frame);
  }

  /** A subscription stops publishing a document. */
  removed(sub: SubscriptionHandle, collection: string, id: string): void {
    const docs = this.collections.get(collection);
    const doc = docs?.get(id);
    if (!docs || !doc) throw new Error(`Removed nonexistent document ${id}`);
    doc.existsIn.delete(sub);
    if (doc.existsIn.size === 0) {
      docs.delete(id);
      if (docs.size === 0) this.collections.delete(collection);
      this.send({ msg: 'removed', collection, id });
      return;
    }
    const collector: Fields = {};
    for (const key of [...doc.dataByKey.keys()]) doc.clearField(sub, key, collector);
    if (hasKeys(collector)) this.send({ msg: 'changed', collection, id, fields: collector });
  }

  /** The fields the client currently sees for a document (for tests and debugging). */
  view(collection: string, id: string): Fields | undefined {
    return this.collections.get(collection)?.get(id)?.fields();
  }

  /** Number of documents in the client's view. */
  get size(): number {
    let n = 0;
    for (const docs of this.collections.values()) n += docs.size;
    return n;
  }

  /** Drops every view without sending anything (the session is gone). */
  clear(): void {
    this.collections.clear();
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
