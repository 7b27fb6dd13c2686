import type { ResolvedOptions } from './options.js';
import type { RateLimiter } from './rateLimiter.js';
import type { ReplayBudget } from './replayBuffer.js';
import type { Resumption } from './resumption.js';
import type { Session } from './session.js';
import type { CloseReason, Connection, MethodHandler, PublicationHandler } from './types.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  readonly replayBudget: ReplayBudget;
  /** The server's `rateLimiter` (Meteor's `DDPRateLimiter` rules). */
  readonly rateLimiter: RateLimiter;
  method(name: string): MethodHandler | undefined;
  publication(name: string): PublicationHandler | undefined;
  universalPublications(): readonly PublicationHandler[];
  /** The resume decision for each `connect` (taken once, when it arrives). */
  readonly resumption: Resumption<Session>;
  /** Whether a new session would exceed `maxSessions` with no detached session left to evict. */
  serverFull(): boolean;
  /** A new session is established; `stale` is the owner's detached session it supersedes. */
  established(session: Session, stale: Session | undefined): void;
  detached(session: Session): void;
  resumed(session: Session, replayed: number): void;
  closed(session: Session, reason: CloseReason): void;
  /** The session's machine finished (any path, including pre-handshake ones). */
  ended(session: Session): void;
  reportError(error: unknown, context: string, connection?: Connection): void;
}
