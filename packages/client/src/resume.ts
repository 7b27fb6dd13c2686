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
