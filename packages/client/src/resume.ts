/** The outcome of one DDP handshake, as far as session resumption goes. */
export interface ResumeResult {
  /**
   * `first-session` (nothing to resume), `resumed` (same session id: nothing reset, or with reason
   * `rebuilt` moved to another server process and reconciled at quiescence), `new-session`.
   */
  readonly outcome: 'first-session' | 'resumed' | 'new-session';
  /** Why: the server's reason when it sent one, else the outcome, or `not-requested` with `resume: false`. */
  readonly reason: string;
  /** The session id now in use. */
  readonly session: string;
  /** The session id the client offered, if any. */
  readonly offered: string | undefined;
  /** The `receivedCount` the client offered, if any. */
  readonly receivedCount: number | undefined;
  /** Epoch ms of the `connected`. */
  readonly at: number;
}

/**
 * What a session resume needs from the client side, kept in one place: Meteor 3.5's `receivedCount`
 * for the current session, the count offered in the last `connect`, and the secret resume token the
 * server issued with the session (ddpx servers only).
 */
export class ResumeLedger {
  private count = 0;
  private offeredCount: number | undefined;
  private currentToken: string | undefined;

  constructor(token: string | undefined) {
    this.currentToken = token;
  }

  /** Messages counted for the current session (every inbound message but `ping`/`pong`). */
  get receivedCount(): number {
    return this.count;
  }

  /** One more inbound message of the current session. */
  counted(): void {
    this.count++;
  }

  /** The secret of the current session, if the server issued one. */
  get token(): string | undefined {
    return this.currentToken;
  }

  /** The resume fields of the next `connect` when `session` is offered (none when it is not). */
  offer(session: string | undefined): { session?: string; receivedCount?: number; resumeToken?: string } {
    if (session === undefined) {
      this.offeredCount = undefined;
      return {};
    }
    this.offeredCount = this.count;
    // A Meteor 3.5 server issues no token: then `session` + `receivedCount` alone, as 3.5 does.
    return this.currentToken === undefined
      ? { session, receivedCount: this.count }
      : { session, receivedCount: this.count, resumeToken: this.currentToken };
  }

  /** The `receivedCount` the last `connect` offered (undefined when it offered no session). */
  get offered(): number | undefined {
    return this.offeredCount;
  }

  /** A `connected` arrived: its token (rotated at every resume) goes with the session it came with. */
  accept(token: unknown): void {
    this.currentToken = typeof token === 'string' ? token : undefined;
  }

  /** A new session began: the `connected` itself is its first counted message. */
  restart(): void {
    this.count = 1;
  }
}
