/** What kind of bad or unexpected input the client dropped (never thrown into the app). */
export type BadInputKind =
  | 'invalid-json'
  | 'not-object'
  | 'too-deep'
  | 'no-msg'
  | 'unknown-msg'
  | 'bad-field'
  | 'bad-ejson'
  | 'oversized'
  | 'unknown-method-result'
  | 'unknown-method-updated'
  | 'unknown-subscription'
  | 'unexpected-connected'
  | 'inconsistent-data'
  | 'server-error'
  | 'unsupported-msg'
  /** A server ping left unanswered: more than `maxBufferedBytes` waited to be sent (the server is not reading). */
  | 'unanswered-ping'
  /** A `result`/`updated` for a method that already finished: a replay after a resume; counted, not logged. */
  | 'duplicate-method-message';

/** Counters a connection keeps (a fresh frozen copy per `stats()` call). */
export interface ConnectionStats {
  /** Frames received (every transport message). */
  readonly framesReceived: number;
  /** Frames sent. */
  readonly framesSent: number;
  /** Meteor 3.5's `receivedCount` for the current session. */
  readonly receivedCount: number;
  /** Dropped or unexpected input, by kind. */
  readonly badInput: Readonly<Partial<Record<BadInputKind, number>>>;
}
