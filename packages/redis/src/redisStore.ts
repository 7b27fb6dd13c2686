import { randomBytes } from 'node:crypto';
import type {
  ClusterSession,
  MethodClaim,
  SessionRecord,
  SessionStore,
  StoredSessionState,
  StoredSubscription,
} from '@ddpx/server';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisBus } from './redisBus.js';
import { CLAIM_METHOD, PATCH_SESSION, TAKE_SESSION } from './scripts.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Where Redis listens (ignored when `client` is given). @default 'redis://127.0.0.1:6379' */
  url?: string;
  /**
   * An ioredis client of your own (not closed by `close()`). Give it `enableAutoPipelining: true` and a
   * `commandTimeout`, as the store's own client has, or a dead Redis stalls resumes. @default undefined (the store opens one from `url`)
   */
  client?: Redis;
  /** Prefix of every key and channel, so several apps can share one Redis. @default 'ddpx:' */
  keyPrefix?: string;
  /** This process's id in the cluster. @default 16 random hex characters */
  processId?: string;
  /**
   * A process not heard from for this long is dead: its method claims are taken over and its sessions
   * expire a grace period later. It refreshes its keys every third of it. @default 3000
   */
  livenessMs?: number;
  /** Method results remembered per session in Redis (the oldest are forgotten). @default 100 */
  maxResultsPerSession?: number;
  /** A Redis command not answered within this many ms fails (the server then degrades, never stalls). @default 1000 */
  commandTimeoutMs?: number;
  /** Called with every Redis failure the store absorbed (a lost connection, a failed write). @default console.warn once per outage */
  onError?: (error: unknown, context: string) => void;
}

/** The defaults of {@link RedisStoreOptions}. */
export const REDIS_STORE_DEFAULTS = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'ddpx:',
  livenessMs: 3000,
  maxResultsPerSession: 100,
  commandTimeoutMs: 1000,
} as const);

/** The store's scripts, loaded once per client and run by SHA (`EVALSHA`, falling back to `EVAL`). */
interface ScriptCommands {
  ddpxClaimMethod(...args: (string | number)[]): Promise<[string, string]>;
  ddpxTakeSession(...args: (string | number)[]): Promise<number>;
  ddpxPatchSession(...args: (string | number)[]): Promise<number>;
}

interface Owned {
  ttlMs: number;
  results: string[];
}

const FIELDS = ['tokenHashes', 'userId', 'version', 'subscriptions', 'sentCount', 'owner', 'state'] as const;

function encodeFields(patch: Partial<Omit<SessionRecord, 'id'>>): string[] {
  const out: string[] = [];
  for (const field of FIELDS) {
    const value = patch[field];
    if (value === undefined) continue;
    out.push(
      field,
      field === 'owner' || field === 'state' || field === 'version' ? String(value) : JSON.stringify(value),
    );
  }
  return out;
}

/** A {@link SessionStore} on Redis: records as hashes, claims by Lua scripts, the bus on pub/sub. */
export class RedisStore implements SessionStore {
  readonly processId: string;
  readonly bus: RedisBus;
  private readonly redis: Redis;
  private readonly scripts: ScriptCommands;
  private readonly subscriber: Redis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly livenessMs: number;
  private readonly maxResults: number;
  private readonly owned = new Map<string, Owned>();
  private readonly takeoverHandlers = new Set<(sessionId: string) => void>();
  private readonly refresh: NodeJS.Timeout;
  private readonly report: (error: unknown, context: string) => void;
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    const d = REDIS_STORE_DEFAULTS;
    this.prefix = options.keyPrefix ?? d.keyPrefix;
    this.processId = options.processId ?? randomBytes(8).toString('hex');
    this.livenessMs = options.livenessMs ?? d.livenessMs;
    if (!(this.livenessMs > 0)) throw new RangeError('livenessMs must be positive');
    this.maxResults = options.maxResultsPerSession ?? d.maxResultsPerSession;
    let warned = false;
    this.report =
      options.onError ??
      ((error, context) => {
        if (warned) return;
        warned = true;
        console.warn(`@ddpx/redis: ${context}: ${error instanceof Error ? error.message : String(error)}`);
      });
    const clientOptions: RedisOptions = {
      enableAutoPipelining: true,
      commandTimeout: options.commandTimeoutMs ?? d.commandTimeoutMs,
      maxRetriesPerRequest: 1,
    };
    this.ownsClient = options.client === undefined;
    this.redis = options.client ?? new Redis(options.url ?? d.url, clientOptions);
    this.redis.defineCommand('ddpxClaimMethod', { numberOfKeys: 1, lua: CLAIM_METHOD });
    this.redis.defineCommand('ddpxTakeSession', { numberOfKeys: 2, lua: TAKE_SESSION });
    this.redis.defineCommand('ddpxPatchSession', { numberOfKeys: 1, lua: PATCH_SESSION });
    this.scripts = this.redis as unknown as ScriptCommands;
    this.subscriber = this.redis.duplicate({ enableAutoPipelining: false, commandTimeout: undefined });
    const absorb = (context: string) => (error: unknown) => this.report(error, context);
    if (this.ownsClient) this.redis.on('error', absorb('redis connection'));
    this.subscriber.on('error', absorb('redis subscriber connection'));
    this.redis.on('ready', () => {
      warned = false;
    });
    this.bus = new RedisBus(this.redis, this.subscriber, `${this.prefix}bus:`, this.report);
    this.bus
      .listen(`${this.prefix}takeover:${this.processId}`, (sessionId) => this.takenOver(sessionId))
      .catch(absorb('takeover subscription'));
    this.refresh = setInterval(() => this.beat(), Math.max(10, Math.floor(this.livenessMs / 3)));
    this.refresh.unref();
    this.beat();
  }

  /** Resolves once the command connection is ready (rejects if Redis cannot be reached at all). */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await this.redis.ping();
  }

  async saveSession(record: SessionRecord, ttlMs: number): Promise<void> {
    const key = this.sessionKey(record.id);
    const { id: _id, ...rest } = record;
    if (record.owner === this.processId) this.own(record.id, ttlMs);
    await this.redis
      .multi()
      .del(key)
      .hset(key, ...encodeFields(rest))
      .pexpire(key, this.keyTtl(ttlMs))
      .exec()
      .then(failed);
  }

  async updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<void> {
    const fields = encodeFields(patch);
    if (fields.length === 0) return;
    await this.scripts.ddpxPatchSession(this.sessionKey(id), this.processId, ...fields);
  }

  async loadSession(id: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.hgetall(this.sessionKey(id));
    if (!raw || raw.owner === undefined) return undefined;
    return {
      id,
      tokenHashes: parse<string[]>(raw.tokenHashes, []),
      userId: parse<string | null>(raw.userId, null),
      version: raw.version ?? '1',
      subscriptions: parse<StoredSubscription[]>(raw.subscriptions, []),
      sentCount: parse<number>(raw.sentCount, 0),
      owner: raw.owner,
      state: (raw.state === 'detached' ? 'detached' : 'established') satisfies StoredSessionState,
    };
  }

  async takeSession(id: string, expectedOwner: string, ttlMs: number): Promise<boolean> {
    const taken = await this.scripts.ddpxTakeSession(
      this.sessionKey(id),
      this.methodsKey(id),
      expectedOwner,
      this.processId,
      this.keyTtl(ttlMs),
      `${this.prefix}takeover:`,
      `${this.prefix}s:`,
    );
    if (taken !== 1) return false;
    this.own(id, ttlMs);
    return true;
  }

  async deleteSession(id: string): Promise<void> {
    this.owned.delete(id);
    await this.redis.del(this.sessionKey(id), this.methodsKey(id));
  }

  async releaseSession(id: string): Promise<void> {
    const ttl = this.owned.get(id)?.ttlMs;
    this.owned.delete(id);
    const key = this.sessionKey(id);
    const pipeline = this.redis.multi().hset(key, 'owner', '', 'state', 'detached');
    if (ttl !== undefined) pipeline.pexpire(key, ttl).pexpire(this.methodsKey(id), ttl);
    await pipeline.exec().then(failed);
  }

  onTakeover(handler: (sessionId: string) => void): () => void {
    this.takeoverHandlers.add(handler);
    return () => void this.takeoverHandlers.delete(handler);
  }

  async claimMethod(sessionId: string, methodId: string, ttlMs: number): Promise<MethodClaim> {
    const reply = await this.scripts.ddpxClaimMethod(
      this.methodsKey(sessionId),
      methodId,
      this.processId,
      this.keyTtl(ttlMs),
      `${this.prefix}p:`,
    );
    const [kind, detail] = reply;
    if (kind === 'claimed') return { kind: 'claimed', previousOwnerDied: detail === '1' };
    if (kind === 'running') return { kind: 'running', owner: detail };
    return { kind: 'done', frames: parse<string[]>(detail, []) };
  }

  recordResult(sessionId: string, methodId: string, frames: readonly string[], _ttlMs: number): void {
    // One HSET (auto-pipelined with the next command, never awaited); the hash's expiry was set by the
    // claim and is kept fresh by the owner's liveness beat.
    const key = this.methodsKey(sessionId);
    const fail = (error: unknown) => this.report(error, 'recording a method result');
    this.redis.hset(key, methodId, `d:${JSON.stringify(frames)}`).catch(fail);
    const owned = this.owned.get(sessionId);
    if (!owned) return;
    owned.results.push(methodId);
    if (owned.results.length > this.maxResults) this.redis.hdel(key, owned.results.shift()!).catch(fail);
  }

  releaseMethod(sessionId: string, methodId: string): void {
    this.redis
      .hdel(this.methodsKey(sessionId), methodId)
      .catch((error: unknown) => this.report(error, 'releasing a method claim'));
  }

  async sessions(): Promise<ClusterSession[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}s:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hmget(key, 'owner', 'state', 'userId');
    const replies = (await pipeline.exec()) ?? [];
    const out: ClusterSession[] = [];
    const start = `${this.prefix}s:`.length;
    replies.forEach(([error, value], i) => {
      const [owner, state, userId] = (value ?? []) as (string | null)[];
      if (error || owner === null || owner === undefined) return;
      out.push({
        id: keys[i]!.slice(start),
        owner,
        state: state === 'detached' ? 'detached' : 'established',
        userId: parse<string | null>(userId ?? undefined, null),
      });
    });
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.refresh);
    this.takeoverHandlers.clear();
    await this.redis.del(this.processKey()).catch(() => undefined);
    this.subscriber.disconnect();
    if (this.ownsClient) this.redis.disconnect();
  }

  /** Refreshes this process's liveness key and the expiry of every session it owns (one pipeline). */
  private beat(): void {
    const pipeline = this.redis.pipeline().set(this.processKey(), '1', 'PX', this.livenessMs);
    for (const [id, { ttlMs }] of this.owned) {
      const ttl = this.keyTtl(ttlMs);
      pipeline.pexpire(this.sessionKey(id), ttl).pexpire(this.methodsKey(id), ttl);
    }
    pipeline.exec().catch((error: unknown) => this.report(error, 'liveness refresh'));
  }

  private takenOver(sessionId: string): void {
    this.owned.delete(sessionId);
    for (const handler of [...this.takeoverHandlers]) {
      try {
        handler(sessionId);
      } catch (error) {
        this.report(error, 'takeover handler');
      }
    }
  }

  private own(id: string, ttlMs: number): void {
    const owned = this.owned.get(id);
    if (owned) owned.ttlMs = ttlMs;
    else this.owned.set(id, { ttlMs, results: [] });
  }

  // A key outlives its owner's last refresh by the grace period (plus one liveness window of slack).
  private keyTtl(ttlMs: number): number {
    return Math.max(1, Math.ceil(ttlMs + this.livenessMs));
  }

  private sessionKey(id: string): string {
    return `${this.prefix}s:${id}`;
  }
  private methodsKey(id: string): string {
    return `${this.prefix}m:${id}`;
  }
  private processKey(): string {
    return `${this.prefix}p:${this.processId}`;
  }
}

function parse<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

// MULTI/pipeline `exec` reports per-command errors in its result instead of rejecting.
function failed(results: [Error | null, unknown][] | null): void {
  const error = results?.find(([e]) => e)?.[0];
  if (error) throw error;
}

/** A Redis-backed session store for `createServer({ store })`: resume on any process, admit a method once. */
export function redisStore(options?: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
