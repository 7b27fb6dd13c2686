import { createHash, timingSafeEqual } from 'node:crypto';

/** A live subscription as a store keeps it: enough to run it again on another process. */
export interface StoredSubscription {
  /** The subscription id the client chose. */
  readonly id: string;
  /** The publication name. */
  readonly name: string;
  /** The `sub` params (EJSON-able). */
  readonly params: readonly unknown[];
}

/** Where a stored session stands: on a socket, or waiting for its client within the grace period. */
export type StoredSessionState = 'established' | 'detached';

/**
 * What a resume on another process needs to know of a session. The resume token itself is never
 * stored: only its SHA-256 ({@link hashResumeToken}), so a store dump resumes nothing.
 */
export interface SessionRecord {
  /** The session id (`connection.id`). */
  readonly id: string;
  /** SHA-256 (hex) of the tokens that resume it: the current one first, then the previous one. */
  readonly tokenHashes: readonly string[];
  /** The session's user id. */
  readonly userId: string | null;
  /** The negotiated DDP version. */
  readonly version: string;
  /** The live subscriptions, in the order they started. */
  readonly subscriptions: readonly StoredSubscription[];
  /** Messages sent so far (Meteor 3.5's `sentCount`), for the cluster view and diagnostics. */
  readonly sentCount: number;
  /** The process that owns the session ({@link SessionStore.processId}); `''` once released by a drain. */
  readonly owner: string;
  /** Where the session stands. */
  readonly state: StoredSessionState;
}

/** A session as the cluster view lists it. */
export interface ClusterSession {
  /** The session id. */
  readonly id: string;
  /** The owning process (`''` while no process holds it). */
  readonly owner: string;
  /** Where the session stands. */
  readonly state: StoredSessionState;
  /** The session's user id. */
  readonly userId: string | null;
}

/** The cluster-wide state of one method id, as {@link SessionStore.claimMethod} found it. */
export type MethodClaim =
  /**
   * This process now owns it and runs it: nobody had claimed it, or the process that had died before
   * recording a result (`previousOwnerDied`: the at-least-once re-run).
   */
  | { readonly kind: 'claimed'; readonly previousOwnerDied: boolean }
  /** A live process claimed it and has not recorded a result yet. */
  | { readonly kind: 'running'; readonly owner: string }
  /** It ran: these frames (`result`, `updated`) answer it again. */
  | { readonly kind: 'done'; readonly frames: readonly string[] };

/** A handler of bus messages. */
export type BusHandler = (payload: unknown, topic: string) => void;

/**
 * A small cross-process bus: a publication on one process hears a change made on another. Every
 * subscriber of a topic gets every message published on it, the publisher's own process included;
 * handlers never run synchronously inside `publish`. Delivery is at-most-once (Redis pub/sub).
 */
export interface Bus {
  /** Publishes a JSON-serialisable payload on `topic`. Never throws for a transport failure. */
  publish(topic: string, payload: unknown): void;
  /** Calls `handler` for every message on `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: BusHandler): () => void;
}

/**
 * Where sessions live beyond one process: what a resume needs (the session record), the cluster-wide
 * method admission and results, the cluster view, and a bus. `@ddpx/redis`'s `redisStore()` is one;
 * `MemoryCluster` shares sessions between servers of one process. Every method may reject (the
 * store is down): the server then keeps serving its live sessions and degrades resumes to new sessions.
 */
export interface SessionStore {
  /** This process's id in the cluster (owner of the sessions it saves). */
  readonly processId: string;
  /** The bus (Redis pub/sub for `redisStore`). */
  readonly bus: Bus;
  /** Creates or replaces a session record; it lives `ttlMs` past the last sign of life of its owner. */
  saveSession(record: SessionRecord, ttlMs: number): Promise<void>;
  /** Changes some fields of a record this process owns; not awaited on any hot path. */
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<void>;
  /** The record of a session, if any process holds it. */
  loadSession(id: string): Promise<SessionRecord | undefined>;
  /**
   * Makes this process the owner of a session, atomically, if its owner is still `expectedOwner`;
   * resolves false when another process took it first. The previous owner hears of it through
   * {@link onTakeover} and lets its copy go.
   */
  takeSession(id: string, expectedOwner: string, ttlMs: number): Promise<boolean>;
  /** The session ended: its record and method results go. */
  deleteSession(id: string): Promise<void>;
  /** Marks a session as held by no process (a drain hands it to whichever process its client reaches). */
  releaseSession(id: string): Promise<void>;
  /** Calls `handler` with the id of every session of this process that another process took over. */
  onTakeover(handler: (sessionId: string) => void): () => void;
  /** Admits a method id once cluster-wide: an atomic claim, or what the earlier claim left. */
  claimMethod(sessionId: string, methodId: string, ttlMs: number): Promise<MethodClaim>;
  /** Records a method's answer (its frames); pipelined with the next command, never awaited. */
  recordResult(sessionId: string, methodId: string, frames: readonly string[], ttlMs: number): void;
  /** Forgets a claim whose method will not run (so a re-sent id is admitted again). */
  releaseMethod(sessionId: string, methodId: string): void;
  /** The cluster view: every session some process holds, with its owner and state. */
  sessions(): Promise<ClusterSession[]>;
  /** Stops timers and closes connections the store opened. */
  close(): Promise<void>;
}

/** SHA-256 (hex) of a resume token: what a store keeps instead of the token. */
export function hashResumeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const ZERO_HASH = Buffer.alloc(32);

/**
 * Whether `presented` hashes to one of `hashes`, compared in constant time: every stored hash is
 * compared in full whatever the outcome, so timing tells nothing about which part differed.
 */
export function tokenHashMatches(hashes: readonly string[], presented: string | undefined): boolean {
  const mine = presented === undefined ? ZERO_HASH : createHash('sha256').update(presented).digest();
  let found = false;
  for (const hash of hashes.length > 0 ? hashes : ['']) {
    const theirs = Buffer.from(hash, 'hex');
    const equal = timingSafeEqual(mine, theirs.length === 32 ? theirs : ZERO_HASH);
    found = (equal && theirs.length === 32 && presented !== undefined) || found;
  }
  return found;
}
