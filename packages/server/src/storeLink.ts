import type { ResumeRequest } from './resumption.js';
import {
  hashResumeToken,
  type MethodClaim,
  type SessionRecord,
  type SessionStore,
  type StoredSubscription,
  tokenHashMatches,
} from './store.js';

/** What the server tells the link about itself. */
export interface StoreLinkHost {
  /** The resume grace period: how long a record outlives its owner's last sign of life. */
  readonly gracePeriodMs: number;
  /** Poll interval while a method id is running on another live process. */
  readonly claimPollMs: number;
  reportError(error: unknown, context: string): void;
}

/** A session as the link writes it to the store. */
export interface StoredSessionSource {
  readonly id: string;
  readonly userId: string | null;
  readonly version: string;
  readonly sentCount: number;
  readonly tokens: readonly (string | undefined)[];
}

/** Why a resume through the store gave a new session instead. */
export type RemoteRefusal = 'unknown-session' | 'store-unavailable';

/** The outcome of a lookup: a record this process now owns, or why not. */
export type RemoteLookup =
  | { readonly kind: 'rebuild'; readonly record: SessionRecord }
  | { readonly kind: 'new'; readonly reason: RemoteRefusal };

const UNKNOWN: RemoteLookup = Object.freeze({ kind: 'new', reason: 'unknown-session' });
const UNAVAILABLE: RemoteLookup = Object.freeze({ kind: 'new', reason: 'store-unavailable' });

/**
 * The server's side of a {@link SessionStore}: which store call each session event makes, and what a
 * failure degrades to. Writes that no client waits for are fire-and-forget (failures reported as
 * `error` events); the resume lookup and the method claim are the only awaited calls.
 */
export class StoreLink {
  private readonly subs = new Map<string, Map<string, StoredSubscription>>();
  /** Methods claimed here whose answer is not recorded yet. */
  private running = 0;
  private idle: (() => void)[] = [];
  private readonly releasing: Promise<void>[] = [];

  constructor(
    readonly store: SessionStore,
    private readonly host: StoreLinkHost,
  ) {}

  /** This process's id in the cluster. */
  get processId(): string {
    return this.store.processId;
  }

  /**
   * Looks a session this process does not hold up in the store: the token is checked against the
   * stored hashes in constant time, then ownership is claimed atomically (the previous owner, if
   * alive, hears of it and lets its copy go). A store failure answers `store-unavailable`.
   */
  async lookup(request: ResumeRequest): Promise<RemoteLookup> {
    const id = request.session;
    if (typeof id !== 'string') return UNKNOWN;
    let record: SessionRecord | undefined;
    try {
      record = await this.store.loadSession(id);
    } catch (error) {
      this.host.reportError(error, 'session store lookup (resume degraded to a new session)');
      return UNAVAILABLE;
    }
    const matches = tokenHashMatches(record?.tokenHashes ?? [], request.resumeToken);
    if (!record || !matches) return UNKNOWN;
    try {
      const taken = await this.store.takeSession(id, record.owner, this.ttl());
      return taken ? { kind: 'rebuild', record } : UNKNOWN;
    } catch (error) {
      this.host.reportError(error, 'session store takeover (resume degraded to a new session)');
      return UNAVAILABLE;
    }
  }

  /** A session started here, or was rebuilt here: its full record, owned by this process. */
  established(session: StoredSessionSource): void {
    this.subs.set(session.id, new Map());
    this.write(
      this.store.saveSession(
        {
          id: session.id,
          tokenHashes: hashes(session.tokens),
          userId: session.userId,
          version: session.version,
          subscriptions: [],
          sentCount: session.sentCount,
          owner: this.processId,
          state: 'established',
        },
        this.ttl(),
      ),
      'saving a session',
    );
  }

  /** The session resumed here in place: its tokens rotated. */
  resumed(session: StoredSessionSource): void {
    this.patch(session.id, { state: 'established', tokenHashes: hashes(session.tokens) });
  }

  /** The session lost its socket and waits for its client. */
  detached(session: StoredSessionSource): void {
    this.patch(session.id, { state: 'detached', sentCount: session.sentCount });
  }

  /** The session's user id changed. */
  userChanged(sessionId: string, userId: string | null): void {
    this.patch(sessionId, { userId });
  }

  /** A subscription started (`live`) or stopped: kept in the record for the cluster view and diagnostics. */
  noteSubscription(
    sessionId: string,
    sub: { id: string; name?: string; params?: unknown[] },
    live: boolean,
  ): void {
    const subs = this.subs.get(sessionId);
    if (!subs) return;
    if (live) subs.set(sub.id, { id: sub.id, name: sub.name ?? '', params: sub.params ?? [] });
    else if (!subs.delete(sub.id)) return;
    this.patch(sessionId, { subscriptions: [...subs.values()] });
  }

  /**
   * The resume decision with a shared store: this process's own decision, unless it knows no such
   * session and the client holds a token, in which case the store is asked (see {@link lookup}).
   */
  decide<D extends { kind: string; reason?: string }>(
    local: D,
    request: ResumeRequest,
  ): D | Promise<D | { kind: 'new'; reason: RemoteRefusal | undefined; rebuild?: SessionRecord }> {
    if (local.kind !== 'new' || local.reason !== 'unknown-session' || !request.resumeToken) return local;
    return this.lookup(request).then((found) =>
      found.kind === 'rebuild'
        ? { kind: 'new', reason: undefined, rebuild: found.record }
        : { kind: 'new', reason: found.reason },
    );
  }

  /** The session really ended: nothing of it is left in the store. */
  closed(sessionId: string): void {
    this.subs.delete(sessionId);
    this.write(this.store.deleteSession(sessionId), 'deleting a session');
  }

  /** The session moved to another process (or this one is draining): forget it here, keep the record. */
  forget(sessionId: string): void {
    this.subs.delete(sessionId);
  }

  /**
   * This process drains: returns what ends each session instead of closing it. The session is
   * released to the store (owned by nobody), then ends here as `moved`: its socket closes (1001) and
   * its client resumes it on whichever process it reaches next.
   */
  handOver(): (
    session: { readonly id: string; sendEvent(event: { type: 'MOVED'; retryInMs?: number }): void },
    retryInMs: number | undefined,
  ) => void {
    return (session, retryInMs) => {
      const moved =
        retryInMs === undefined ? { type: 'MOVED' as const } : { type: 'MOVED' as const, retryInMs };
      this.releasing.push(this.release(session.id).then(() => session.sendEvent(moved)));
    };
  }

  /**
   * The drain's end: every release written, and every method claimed here answered into the store
   * (so a copy re-sent elsewhere is answered, not run again), or `timeoutMs` passed.
   */
  async handedOver(timeoutMs: number): Promise<void> {
    await Promise.all(this.releasing.splice(0));
    await this.settled(timeoutMs);
  }

  /** This process drains: the session stays in the store, owned by nobody, for its client to resume elsewhere. */
  release(sessionId: string): Promise<void> {
    this.subs.delete(sessionId);
    return this.store.releaseSession(sessionId).catch((error: unknown) => {
      this.host.reportError(error, 'releasing a session to the store');
    });
  }

  /**
   * Admits a method id cluster-wide. While another live process runs it, polls until it is recorded
   * (or that process dies: then this one runs it). A store failure admits it here (reported).
   */
  async claim(sessionId: string, methodId: string): Promise<MethodClaim> {
    for (;;) {
      let claim: MethodClaim;
      try {
        claim = await this.store.claimMethod(sessionId, methodId, this.ttl());
      } catch (error) {
        this.host.reportError(error, 'method claim (admitted on this process only)');
        this.running++;
        return { kind: 'claimed', previousOwnerDied: false };
      }
      if (claim.kind === 'claimed') this.running++;
      if (claim.kind !== 'running') return claim;
      await new Promise((resolve) => setTimeout(resolve, this.host.claimPollMs));
    }
  }

  /** A method's answer, recorded for a copy of it that reaches another process (not awaited). */
  answered(sessionId: string, methodId: string, frames: readonly string[]): void {
    try {
      this.store.recordResult(sessionId, methodId, frames, this.ttl());
    } catch (error) {
      this.host.reportError(error, 'recording a method result');
    }
    this.done();
  }

  private done(): void {
    if (this.running > 0 && --this.running === 0) for (const wake of this.idle.splice(0)) wake();
  }

  /** A method claimed here will not run (unknown method, rate-limited): its claim goes. */
  unclaim(sessionId: string, methodId: string): void {
    try {
      this.store.releaseMethod(sessionId, methodId);
    } catch (error) {
      this.host.reportError(error, 'releasing a method claim');
    }
    this.done();
  }

  /** Resolves once every method claimed here has recorded its answer, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private ttl(): number {
    return this.host.gracePeriodMs;
  }

  private patch(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void {
    this.write(this.store.updateSession(id, patch), 'updating a session record');
  }

  private write(promise: Promise<void>, context: string): void {
    promise.catch((error: unknown) => this.host.reportError(error, context));
  }
}

function hashes(tokens: readonly (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const token of tokens) if (token !== undefined) out.push(hashResumeToken(token));
  return out;
}
