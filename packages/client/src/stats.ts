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

/** Logs bad input at most once per kind per interval. */
interface CounterLog {
  readonly logger: { warn(message: string, detail?: unknown): void };
  readonly now: () => number;
  readonly intervalMs: number;
}

/** Frames in and out and dropped input by kind: what `connection.stats()` reports. */
export class InputCounters {
  private framesReceived = 0;
  private framesSent = 0;
  private readonly badInput: Partial<Record<BadInputKind, number>> = {};
  private readonly loggedAt = new Map<BadInputKind, number>();

  constructor(private readonly log: CounterLog) {}

  /** One frame received. */
  received(): void {
    this.framesReceived++;
  }

  /** One frame sent. */
  sent(): void {
    this.framesSent++;
  }

  /** Counts bad input and logs it at most once per kind per interval; never throws. */
  bad(kind: BadInputKind, detail: string, value?: unknown): void {
    this.count(kind);
    const now = this.log.now();
    const last = this.loggedAt.get(kind);
    const interval = this.log.intervalMs;
    if (last !== undefined && now - last < interval) return;
    this.loggedAt.set(kind, now);
    const total = this.badInput[kind] ?? 1;
    const more = total > 1 ? ` (${total} of this kind so far; logged at most every ${interval} ms)` : '';
    this.log.logger.warn(`${kind}: ${detail}${more}`, value);
  }

  /** Counts without logging (expected duplicates). */
  count(kind: BadInputKind): void {
    this.badInput[kind] = (this.badInput[kind] ?? 0) + 1;
  }

  /** A frozen copy, with the session's `receivedCount`. */
  snapshot(receivedCount: number): ConnectionStats {
    return Object.freeze({
      framesReceived: this.framesReceived,
      framesSent: this.framesSent,
      receivedCount,
      badInput: Object.freeze({ ...this.badInput }),
    });
  }
}
