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
  private frames: Array<string | null> = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
    private readonly budget: ReplayBudget,
  ) {}

  /** Number of the oldest message still held (sentCount − held + 1). */
  get firstHeld(): number {
    return this.sentCount - (this.frames.length - this.head) + 1;
  }

  /**
   * Records one sent message (null: counted but never replayed, e.g. `connected`). Returns the number
   * of the oldest message dropped to make room, or 0 when nothing was dropped.
   */
  push(frame: string | null): number {
    this.sentCount++;
    if (this.capacity === 0) return this.sentCount;
    const size = frame === null ? 0 : frame.length;
    this.frames.push(frame);
    this.bytes += size;
    this.budget.used += size;
    let dropped = 0;
    while (
      this.frames.length - this.head > this.capacity ||
      (this.bytes > this.maxBytes && this.frames.length - this.head > 1)
    ) {
      dropped = this.firstHeld;
      this.dropOldest();
    }
    if (this.head > 64 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
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
    const start = this.head + (receivedCount + 1 - this.firstHeld);
    for (let i = start; i < this.frames.length; i++) {
      const frame = this.frames[i];
      if (frame !== null && frame !== undefined) out.push(frame);
    }
    return out;
  }

  /**
   * Forgets the numbering after `receivedCount` and returns the frames it held there, so a resume can
   * send `connected` first and renumber the replayed frames after it, as the client counts them.
   */
  rewindTo(receivedCount: number): string[] {
    const frames = this.since(receivedCount) ?? [];
    const keep = this.head + Math.max(0, receivedCount + 1 - this.firstHeld);
    for (let i = keep; i < this.frames.length; i++) {
      const size = this.frames[i]?.length ?? 0;
      this.bytes -= size;
      this.budget.used -= size;
    }
    this.frames.length = Math.min(this.frames.length, keep);
    this.sentCount = receivedCount;
    return frames;
  }

  /** Drops the oldest frames while the shared budget is exceeded; returns the number of the last one dropped. */
  shed(): number {
    let dropped = 0;
    while (this.budget.used > this.budget.max && this.frames.length > this.head) {
      dropped = this.firstHeld;
      this.dropOldest();
    }
    return dropped;
  }

  /** Frees everything (the session ended). */
  release(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    this.frames = [];
    this.head = 0;
  }

  private dropOldest(): void {
    const frame = this.frames[this.head];
    this.frames[this.head] = null;
    this.head++;
    const size = frame ? frame.length : 0;
    this.bytes -= size;
    this.budget.used -= size;
  }
}
