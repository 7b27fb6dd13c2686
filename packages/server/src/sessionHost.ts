import type { ConnectRequest } from '@ddpx/statecharts';
import type { ResolvedOptions } from './options.js';
import type { ReplayBudget } from './replayBuffer.js';
import type { Session } from './session.js';
import type { CloseReason, Connection, MethodHandler, PublicationHandler, ResumeRefusal } from './types.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: ResolvedOptions;
  readonly replayBudget: ReplayBudget;
  method(name: string): MethodHandler | undefined;
  publication(name: string): PublicationHandler | undefined;
  universalPublications(): readonly PublicationHandler[];
  /** The detached session this `connect` can resume, if any. */
  resumable(request: ConnectRequest | undefined): Session | undefined;
  /** Why a `connect` that named a session gets a new one (sent as `connected.resumeReason`). */
  resumeRefusal(request: ConnectRequest | undefined): ResumeRefusal | undefined;
  /** A `connect` names a live session whose socket the client evidently lost: detach that socket first. */
  replaceHalfOpen(request: ConnectRequest): void;
  /** The machine chose to hand this socket to a detached session. */
  handOff(from: Session, request: ConnectRequest | undefined): void;
  established(session: Session, request: ConnectRequest | undefined): void;
  detached(session: Session): void;
  resumed(session: Session, replayed: number): void;
  closed(session: Session, reason: CloseReason): void;
  /** The session's machine finished (any path, including pre-handshake ones). */
  ended(session: Session): void;
  reportError(error: unknown, context: string, connection?: Connection): void;
}
