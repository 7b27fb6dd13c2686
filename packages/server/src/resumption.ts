import type { ConnectRequest, ResumeVerdict, ServerSessionEvent } from '@ddpx/statecharts';
import { CloseCode } from './closeCodes.js';
import { tokenMatches } from './resumeToken.js';
import type { ServerSocket, ServerSocketHandlers } from './serverSocket.js';
import type { SessionRecord } from './store.js';
import type { ResumeRefusal } from './types.js';

/** A `connect`, as the server reads it for resumption: the chart's fields plus the secret token. */
export interface ResumeRequest extends Omit<ConnectRequest, 'resume'> {
  /** The token the client presents (never given to the chart, so never in a snapshot or an inspector). */
  readonly resumeToken?: string | undefined;
}

/** A session that takes the frames of the socket it holds. */
export interface FrameSink {
  /** One inbound frame. */
  socketMessage(text: string): void;
}

/** What resumption needs to know of a session it may resume, and how it hands a socket to it. */
export interface ResumableSession extends FrameSink {
  readonly phase: string;
  /**
   * The tokens that resume it: the one issued last, and the one before it while the client may not
   * have received the newer one (its resumed `connected` can be lost in the next drop).
   */
  readonly resumeTokens: readonly [current: string | undefined, previous: string | undefined];
  /** Whether every message after `receivedCount` is still held for replay. */
  covers(receivedCount: number): boolean;
  /** Sends a lifecycle event to its chart. */
  sendEvent(event: ServerSessionEvent): void;
  /** Gives up its socket (undefined when it has none). */
  takeSocket(): ServerSocket | undefined;
  /** Takes `socket` as its own: the socket's frames come to it from now on. */
  adoptSocket(socket: ServerSocket): void;
  /** The client resumed presenting `token` (it may retire the token before). */
  acceptToken(token: string | undefined): void;
}

/** What resumption needs of the session a `connect` arrived on (still awaiting it). */
export interface ConnectingSession extends FrameSink {
  readonly phase: string;
  /** Its inbound path: frames held while an asynchronous decision is pending, then delivered. */
  readonly inbound: { hold(): void; release(owner: FrameSink): void };
  /** Sends the decided `DDP.CONNECT` to its chart. */
  sendEvent(event: ServerSessionEvent): void;
  /** Gives up its socket (undefined when it has none). */
  takeSocket(): ServerSocket | undefined;
  reportError(error: unknown, context: string): void;
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
  | {
      readonly kind: 'new';
      readonly reason: ResumeRefusal | undefined;
      readonly stale?: S;
      /** A session of another process this one took over from the shared store: rebuilt here, same id. */
      readonly rebuild?: SessionRecord;
    };

/**
 * Takes the resume decision for one `connect`: at once from this process's sessions, or (a shared
 * store) after an asynchronous lookup.
 */
export type DecideResume<S> = (request: ResumeRequest) => ResumeDecision<S> | PromiseLike<ResumeDecision<S>>;

const FRESH = Object.freeze({ kind: 'new', reason: undefined } as const);
const NO_TOKENS = [undefined, undefined] as const;
const UNKNOWN = Object.freeze({ kind: 'new', reason: 'unknown-session' } as const);

/**
 * Decides whether a `connect` resumes a session. Only the holder of the session's token may resume it,
 * displace its socket or end it; any other attempt is answered exactly as one for an id that does not
 * exist (`unknown-session`), so the reply reveals nothing about which ids exist.
 */
export function decideResume<S extends Pick<ResumableSession, 'phase' | 'resumeTokens' | 'covers'>>(
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

const ignore = (): void => {};
const IGNORED_SOCKET: ServerSocketHandlers = {
  socketMessage: ignore,
  socketClosed: ignore,
  socketFault: ignore,
};

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/**
 * Resumption, in one place: decides once per `connect` (synchronously, or after an asynchronous
 * lookup while the socket's frames wait), then sends the chart one `DDP.CONNECT` carrying the outcome
 * (`resume`: `resumed` or why not; never the token), whose pure guard picks the hand-off or a new
 * session. The chart's `handOffSocket` and `emitConnection` actions read the decision here.
 */
export class Resumption<S extends ResumableSession> {
  // The decision being applied, per connecting session, only while its `DDP.CONNECT` is processed.
  private readonly applying = new Map<ConnectingSession, ResumeDecision<S>>();

  constructor(private readonly decide: DecideResume<S>) {}

  /** A `connect` arrived on `pending` (in `awaitingConnect`): decide, then tell its chart. */
  connect(pending: ConnectingSession, request: ResumeRequest): void {
    let decision: ResumeDecision<S> | PromiseLike<ResumeDecision<S>>;
    try {
      decision = this.decide(request);
    } catch (err) {
      pending.reportError(err, 'resume decision');
      decision = UNKNOWN;
    }
    if (!isThenable(decision)) {
      this.apply(pending, request, decision);
      return;
    }
    pending.inbound.hold();
    decision.then(
      (d) => this.apply(pending, request, d),
      (err: unknown) => {
        // A lookup that fails (a store out of reach) degrades to a new session, reported.
        pending.reportError(err, 'resume decision');
        this.apply(pending, request, UNKNOWN);
      },
    );
  }

  private apply(pending: ConnectingSession, request: ResumeRequest, decision: ResumeDecision<S>): void {
    // The socket may have closed, or the handshake timed out, while an asynchronous lookup ran.
    if (pending.phase !== 'awaitingConnect') return;
    const target = decision.kind === 'resume' ? decision.session : undefined;
    // A live session named by its token holder sits on a socket the client has replaced (half-open
    // TCP the server has not noticed yet): it is dropped, the session detaches and resumes here.
    if (target?.phase === 'established') this.dropReplacedSocket(target);
    let outcome: ResumeVerdict | undefined;
    if (decision.kind === 'new') outcome = decision.reason;
    else outcome = target?.phase === 'detached' ? 'resumed' : 'unknown-session';
    const { resumeToken: _secret, ...fields } = request;
    this.applying.set(pending, decision);
    try {
      pending.sendEvent({ type: 'DDP.CONNECT', ...fields, ...(outcome ? { resume: outcome } : {}) });
    } finally {
      this.applying.delete(pending);
    }
    // Read again: the event moved the chart on (to `handedOff` when the socket went to `target`).
    const handedOff = (pending as { readonly phase: string }).phase === 'handedOff';
    pending.inbound.release(target !== undefined && handedOff ? target : pending);
  }

  /**
   * Drops a socket the client has already replaced (a half-open TCP connection the server has not
   * noticed yet): the chart detaches (`SOCKET.REPLACED`), so the new socket can resume.
   */
  private dropReplacedSocket(target: S): void {
    const socket = target.takeSocket();
    if (!socket) return;
    socket.setHandlers(IGNORED_SOCKET);
    socket.close(CloseCode.normal, 'replaced by a resumed connection');
    target.sendEvent({ type: 'SOCKET.REPLACED' });
  }

  /** Chart action `emitConnection` on `pending`: the owner's stale detached session to supersede. */
  staleFor(pending: ConnectingSession): S | undefined {
    const decision = this.applying.get(pending);
    return decision?.kind === 'new' ? decision.stale : undefined;
  }

  /** Chart action `emitConnection` on `pending`: the stored session it continues, taken over from another process. */
  rebuildFor(pending: ConnectingSession): SessionRecord | undefined {
    const decision = this.applying.get(pending);
    return decision?.kind === 'new' ? decision.rebuild : undefined;
  }

  /**
   * Chart action `handOffSocket` on `pending`: the detached session the decision named takes the
   * socket, and its chart hears `RESUME` with the client's `receivedCount` (replay starts after it).
   */
  handOff(pending: ConnectingSession, receivedCount: number | undefined): void {
    const socket = pending.takeSocket();
    const decision = this.applying.get(pending);
    if (!socket) return;
    const target = decision?.kind === 'resume' ? decision.session : undefined;
    if (target?.phase !== 'detached' || typeof receivedCount !== 'number') {
      socket.close(CloseCode.internalError, 'resume failed');
      return;
    }
    target.acceptToken(decision?.kind === 'resume' ? decision.token : undefined);
    target.adoptSocket(socket);
    target.sendEvent({ type: 'RESUME', receivedCount });
  }
}
