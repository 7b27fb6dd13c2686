import type { ClientMessage, ErrorMessage } from '@ddpx/protocol';

/** A message waiting its turn: a client message, or an error reply that must keep its place. */
export type QueueItem = ClientMessage | ErrorMessage;

/** What an {@link InboundQueue} runs its messages on. */
export interface InboundQueueHost {
  /** True once the session ended: what is still queued is dropped. */
  readonly ended: boolean;
  /** Handles one message; a promise holds the queue until it settles (a method not yet unblocked). */
  process(item: QueueItem): void | Promise<void>;
  /** The queue is full: the session ends (`queue-overflow`). */
  overflow(): void;
  reportError(error: unknown, context: string): void;
}

/**
 * A session's in-order queue (Meteor's per-session message queue): one message at a time, the next
 * only after the previous settled or unblocked, bounded by `maxQueuedMessages`. The array exists only
 * while something waits.
 */
export class InboundQueue {
  private queue: QueueItem[] | undefined;
  private pumping = false;

  constructor(
    private readonly host: InboundQueueHost,
    private readonly max: number,
  ) {}

  /** Queues `item` and runs what can run now. */
  push(item: QueueItem): void {
    this.queue ??= [];
    const queue = this.queue;
    if (queue.length >= this.max) {
      this.host.overflow();
      return;
    }
    queue.push(item);
    if (!this.pumping) this.pump();
  }

  /** Drops everything still waiting (the session ended). */
  clear(): void {
    this.queue = undefined;
  }

  private pump(): void {
    this.pumping = true;
    for (let item = this.queue?.shift(); item !== undefined; item = this.queue?.shift()) {
      if (this.host.ended) {
        this.queue = undefined;
        break;
      }
      let blocking: void | Promise<void> | undefined;
      try {
        blocking = this.host.process(item);
      } catch (err) {
        this.host.reportError(err, `processing '${item.msg}'`);
      }
      if (blocking) {
        const resume = () => this.pump();
        blocking.then(resume, resume);
        return;
      }
    }
    this.queue = undefined;
    this.pumping = false;
  }
}
