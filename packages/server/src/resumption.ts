import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConnectRequest } from '@ddpx/statecharts';
import type { ResumeRefusal } from './types.js';

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

/** A `connect`, as the server reads it for resumption: the chart's fields plus the secret token. */
export interface ResumeRequest extends ConnectRequest {
  /** The token the client presents (never given to the chart, so never in a snapshot or an inspector). */
  readonly resumeToken?: string | undefined;
}

/** What resumption needs to know of a session. */
export interface ResumableSession {
  readonly phase: string;
  /**
   * The tokens that resume it: the one issued last, and the one before it while the client may not
   * have received the newer one (its resumed `connected` can be lost in the next drop).
   */
  readonly resumeTokens: readonly [current: string | undefined, previous: string | undefined];
  /** Whether every message after `receivedCount` is still held for replay. */
  covers(receivedCount: number): boolean;
}

/** Resumption settings the decision reads. */
export interface ResumePolicy {
  readonly gracePeriodMs: number;
  /** Resume without a token (Meteor 3.5 clients): anyone who knows the session id may. */
  readonly allowTokenless: boolean;
}

/** The one resume decision for a `connect`, taken when it arrives. */
export type ResumeDecision<S> =
  /** Resume `session` (detached, or live on a socket the client has evidently replaced) with `token`. */
  | { readonly kind: 'resume'; readonly session: S; readonly token: string | undefined }
  /**
   * A new session. `reason` goes to the client as `connected.resumeReason` when it named a session;
   * `stale` is the owner's own detached session that can no longer be resumed, ended as `superseded`.
   */
  | { readonly kind: 'new'; readonly reason: ResumeRefusal | undefined; readonly stale?: S };

const FRESH = Object.freeze({ kind: 'new', reason: undefined } as const);
const NO_TOKENS = [undefined, undefined] as const;
const UNKNOWN = Object.freeze({ kind: 'new', reason: 'unknown-session' } as const);

/**
 * Decides whether a `connect` resumes a session. Only the holder of the session's token may resume it,
 * displace its socket or end it; any other attempt is answered exactly as one for an id that does not
 * exist (`unknown-session`), so the reply reveals nothing about which ids exist.
 */
export function decideResume<S extends ResumableSession>(
  request: ResumeRequest | undefined,
  lookup: (id: string) => S | undefined,
  policy: ResumePolicy,
): ResumeDecision<S> {
  if (!request || typeof request.session !== 'string') return FRESH;
  if (policy.gracePeriodMs === 0) return { kind: 'new', reason: 'resume-disabled' };
  const candidate = lookup(request.session);
  const live =
    candidate !== undefined && (candidate.phase === 'established' || candidate.phase === 'detached');
  const tokenless = request.resumeToken === undefined && policy.allowTokenless;
  // Always compare against two tokens, even for an unknown id, so timing does not tell them apart.
  const [current, previous] = live ? candidate.resumeTokens : NO_TOKENS;
  const matchesCurrent = tokenMatches(current, request.resumeToken);
  const matchesPrevious = tokenMatches(previous, request.resumeToken);
  const matches = matchesCurrent || matchesPrevious;
  if (!live || !(matches || tokenless)) return UNKNOWN;
  const stale = candidate.phase === 'detached' ? candidate : undefined;
  const count = request.receivedCount;
  if (typeof count !== 'number')
    return { kind: 'new', reason: 'no-received-count', ...(stale ? { stale } : {}) };
  if (candidate.covers(count)) return { kind: 'resume', session: candidate, token: request.resumeToken };
  return { kind: 'new', reason: 'count-outside-buffer', ...(stale ? { stale } : {}) };
}
