/** Bytes of replay buffer in use over every session, with a ceiling. */
export class ReplayBudget {
  /** Bytes currently held. */
  used = 0;
  constructor(readonly max: number) {}
}

/**
 * The last messages a session sent, numbered by `sentCount` (every non-ping/pong message written,
 * as Meteor 3.5 counts them), so a resuming client can be sent exactly what it missed.
 */
export class ReplayBuffer {
  /** Messages sent over the session's lifetime (the `connected` of a new session is number 1). */
  sentCount = 0;
  // The held messages, oldest at `head`; undefined while every held message is a null (an idle
  // session holds only its `connected`), counted by `nulls` instead of stored.
  private frames: Array<string | null> | undefined;
  private nulls = 0;
  private head = 0;
  private bytes = 0;
  private rewinds = 0;
  private detachedAt = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
    private readonly budget: ReplayBudget,
  ) {}

  /** Bytes of the messages held for replay. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Oldest message number a resuming client may still be missing. Each resume renumbers the replayed
   * messages one later (after the new `connected`), so numbers recorded earlier may lag by up to one
   * per resume: the bound is lowered by that much to stay safe.
   */
  get firstReplayable(): number {
    return this.firstHeld - this.rewinds;
  }

  /** The session detached: from now on, dropping a message loses one the client may need. */
  markDetached(): void {
    this.detachedAt = this.sentCount;
  }

  /**
   * Records one written message and keeps the shared budget; true when a message written since the
   * detach had to be dropped (a detached session can then no longer be resumed faithfully).
   */
  record(frame: string): boolean {
    const dropped = this.push(frame);
    const budgetDrop = this.shed();
    return Math.max(dropped, budgetDrop) > this.detachedAt;
  }

  /** Number of the oldest message still held (sentCount − held + 1). */
  get firstHeld(): number {
    return this.sentCount - this.held + 1;
  }

  private get held(): number {
    return this.frames === undefined ? this.nulls : this.frames.length - this.head;
  }

  /**
   * Records one sent message (null: counted but never replayed, e.g. `connected`). Returns the number
   * of the oldest message dropped to make room, or 0 when nothing was dropped.
   */
  push(frame: string | null): number {
    this.sentCount++;
    if (this.capacity === 0) return this.sentCount;
    if (frame === null && this.frames === undefined) {
      this.nulls++;
    } else {
      if (this.frames === undefined) {
        this.frames = [];
        for (; this.nulls > 0; this.nulls--) this.frames.push(null);
      }
      const size = frame === null ? 0 : frame.length;
      this.frames.push(frame);
      this.bytes += size;
      this.budget.used += size;
    }
    let dropped = 0;
    while (this.held > this.capacity || (this.bytes > this.maxBytes && this.held > 1)) {
      dropped = this.firstHeld;
      this.dropOldest();
    }
    const frames = this.frames;
    if (frames !== undefined && this.head > 64 && this.head * 2 > frames.length) {
      this.frames = frames.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** Whether every message after `receivedCount` is still held (so a resume from there can replay them). */
  covers(receivedCount: number): boolean {
    if (!Number.isInteger(receivedCount) || receivedCount < 0 || receivedCount > this.sentCount) return false;
    return receivedCount === this.sentCount || receivedCount + 1 >= this.firstHeld;
  }

  /** The frames after message `receivedCount`, or undefined when some of them are no longer held. */
  since(receivedCount: number): string[] | undefined {
    if (!Number.isInteger(receivedCount) || receivedCount < 0 || receivedCount > this.sentCount)
      return undefined;
    if (receivedCount === this.sentCount) return [];
    if (receivedCount + 1 < this.firstHeld) return undefined;
    const out: string[] = [];
    const frames = this.frames;
    if (frames === undefined) return out;
    const start = this.head + (receivedCount + 1 - this.firstHeld);
    for (let i = start; i < frames.length; i++) {
      const frame = frames[i];
      if (frame !== null && frame !== undefined) out.push(frame);
    }
    return out;
  }

  /**
   * Forgets the numbering after `receivedCount` and returns the frames it held there, so a resume can
   * send `connected` first and renumber the replayed frames after it, as the client counts them.
   */
  rewindTo(receivedCount: number): string[] {
    this.rewinds++;
    const missed = this.since(receivedCount) ?? [];
    const kept = Math.max(0, receivedCount + 1 - this.firstHeld);
    const frames = this.frames;
    if (frames === undefined) {
      this.nulls = Math.min(this.nulls, kept);
    } else {
      const keep = this.head + kept;
      for (let i = keep; i < frames.length; i++) {
        const size = frames[i]?.length ?? 0;
        this.bytes -= size;
        this.budget.used -= size;
      }
      frames.length = Math.min(frames.length, keep);
    }
    this.sentCount = receivedCount;
    return missed;
  }

  /** Drops the oldest frames while the shared budget is exceeded; returns the number of the last one dropped. */
  shed(): number {
    let dropped = 0;
    while (this.budget.used > this.budget.max && this.held > 0) {
      dropped = this.firstHeld;
      this.dropOldest();
    }
    return dropped;
  }

  /** Frees everything (the session ended). */
  release(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    this.frames = undefined;
    this.nulls = 0;
    this.head = 0;
  }

  private dropOldest(): void {
    const frames = this.frames;
    if (frames === undefined) {
      this.nulls--;
      return;
    }
    const frame = frames[this.head];
    frames[this.head] = null;
    this.head++;
    const size = frame ? frame.length : 0;
    this.bytes -= size;
    this.budget.used -= size;
  }
}
