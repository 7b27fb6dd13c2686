/** One machine transition as the page logs it. */
export interface TransitionRecord {
  n: number;
  at: number;
  event: string;
  value: string;
}

const MAX = 60;

/** A small store fed by the connection's XState `inspect` option (events that changed the snapshot). */
class TransitionFeed {
  private records: TransitionRecord[] = [];
  private readonly listeners = new Set<(list: readonly TransitionRecord[]) => void>();
  private n = 0;
  private lastValue = '';

  /** The `inspect` callback passed to `connect()`. */
  readonly inspect = (event: unknown): void => {
    const e = event as {
      type?: string;
      event?: { type?: string };
      snapshot?: { value?: unknown };
      actorRef?: { id?: string };
    };
    if (e.type !== '@xstate.snapshot' || !e.snapshot || !('value' in e.snapshot) || !e.event) return;
    const value = JSON.stringify(e.snapshot.value);
    const type = e.event.type ?? '?';
    if (value === this.lastValue && type !== 'xstate.init') return;
    this.lastValue = value;
    this.records = [{ n: this.n++, at: Date.now(), event: type, value }, ...this.records].slice(0, MAX);
    const list = this.records;
    queueMicrotask(() => {
      for (const listener of this.listeners) listener(list);
    });
  };

  list(): readonly TransitionRecord[] {
    return this.records;
  }

  subscribe(listener: (list: readonly TransitionRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The page's single feed. */
export const transitions = new TransitionFeed();
