import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Length of a resume token: 24 base64url characters, 144 bits from the CSPRNG. */
const TOKEN_BYTES = 18;
const TOKEN_LENGTH = 24;
const DUMMY = Buffer.alloc(TOKEN_LENGTH, 0x41);

/** A fresh secret resume token (144 bits from `crypto.randomBytes`, base64url). */
export function newResumeToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * Compares a presented token with the session's in constant time. The work done is the same whether
 * the session exists, the token has the wrong length, or it differs in its last character.
 */
export function tokenMatches(expected: string | undefined, presented: string | undefined): boolean {
  const a = expected !== undefined && expected.length === TOKEN_LENGTH ? Buffer.from(expected) : DUMMY;
  const ok = presented !== undefined && presented.length === TOKEN_LENGTH;
  const b = ok ? Buffer.from(presented) : DUMMY;
  const equal = a.length === b.length && timingSafeEqual(a, b);
  return equal && ok && expected !== undefined;
}

/**
 * One session's resume tokens: the one issued last, and the one before it, which stays valid until the
 * client shows it holds the newer one (its resumed `connected` can be lost in the next drop). Secret:
 * never in an event, a context, a snapshot or an inspector.
 */
export class ResumeTokens {
  private current: string | undefined;
  private previous: string | undefined;

  /** The tokens that resume the session now: `[current, previous]`. */
  get valid(): readonly [current: string | undefined, previous: string | undefined] {
    return [this.current, this.previous];
  }

  /**
   * A client resumed with `presented`: when it is the current token, the client has everything up to
   * it, so the one before stops working (the current one stays valid until the next `connected` lands).
   */
  accept(presented: string | undefined): void {
    if (presented !== undefined && presented === this.current) this.previous = this.current;
  }

  /** Issues the token for a `connected`, replacing the current one. */
  issue(): string {
    this.current = newResumeToken();
    return this.current;
  }
}
