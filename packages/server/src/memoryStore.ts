import { randomId } from '@ddpx/protocol';
import { MemoryBus } from './memoryBus.js';
import type { ClusterSession, MethodClaim, SessionRecord, SessionStore } from './store.js';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

type MethodEntry = { owner: string } | { frames: readonly string[] };

/**
 * Sessions shared by the servers of one process (tests, workers of one host): what `redisStore()` does
 * across processes, kept in memory. Expiry is checked when an entry is read, so it runs no timer.
 */
export class MemoryCluster {
  private readonly records = new Map<string, Entry<SessionRecord>>();
  private readonly methods = new Map<string, Map<string, MethodEntry>>();
  private readonly alive = new Set<string>();
  private readonly takeovers = new Map<string, Set<(sessionId: string) => void>>();
  /** The bus every store of this cluster shares. */
  readonly bus = new MemoryBus();

  /** A store for one server of this cluster, with its own process id. */
  store(processId: string = randomId()): SessionStore {
    this.alive.add(processId);
    return new MemoryClusterStore(this, processId);
  }

  /** @internal */
  record(id: string): SessionRecord | undefined {
    const entry = this.records.get(id);
    if (entry && entry.expiresAt <= Date.now()) {
      this.records.delete(id);
      this.methods.delete(id);
      return undefined;
    }
    return entry?.value;
  }

  /** @internal */
  put(record: SessionRecord, ttlMs: number): void {
    this.records.set(record.id, { value: record, expiresAt: Date.now() + ttlMs });
  }

  /** @internal */
  patch(id: string, patch: Partial<SessionRecord>): void {
    const entry = this.records.get(id);
    if (entry) entry.value = { ...entry.value, ...patch };
  }

  /** @internal */
  drop(id: string): void {
    this.records.delete(id);
    this.methods.delete(id);
  }

  /** @internal */
  methodsOf(id: string): Map<string, MethodEntry> {
    let m = this.methods.get(id);
    if (!m) {
      m = new Map();
      this.methods.set(id, m);
    }
    return m;
  }

  /** @internal */
  isAlive(processId: string): boolean {
    return this.alive.has(processId);
  }

  /** @internal */
  leave(processId: string): void {
    this.alive.delete(processId);
    this.takeovers.delete(processId);
  }

  /** @internal */
  watch(processId: string, handler: (sessionId: string) => void): () => void {
    let set = this.takeovers.get(processId);
    if (!set) {
      set = new Set();
      this.takeovers.set(processId, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** @internal */
  notifyTakeover(previousOwner: string, sessionId: string): void {
    const handlers = this.takeovers.get(previousOwner);
    if (!handlers) return;
    for (const handler of [...handlers]) queueMicrotask(() => handler(sessionId));
  }

  /** @internal */
  list(): ClusterSession[] {
    const out: ClusterSession[] = [];
    for (const id of [...this.records.keys()]) {
      const r = this.record(id);
      if (r) out.push({ id: r.id, owner: r.owner, state: r.state, userId: r.userId });
    }
    return out;
  }
}

class MemoryClusterStore implements SessionStore {
  readonly bus: MemoryBus;

  constructor(
    private readonly cluster: MemoryCluster,
    readonly processId: string,
  ) {
    this.bus = cluster.bus;
  }

  async saveSession(record: SessionRecord, ttlMs: number): Promise<void> {
    this.cluster.put(record, ttlMs);
  }

  async updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Promise<void> {
    this.cluster.patch(id, patch);
  }

  async loadSession(id: string): Promise<SessionRecord | undefined> {
    return this.cluster.record(id);
  }

  async takeSession(id: string, expectedOwner: string, ttlMs: number): Promise<boolean> {
    const record = this.cluster.record(id);
    if (!record || record.owner !== expectedOwner) return false;
    this.cluster.put({ ...record, owner: this.processId, state: 'established' }, ttlMs);
    if (expectedOwner !== '' && expectedOwner !== this.processId) {
      this.cluster.notifyTakeover(expectedOwner, id);
    }
    return true;
  }

  async deleteSession(id: string): Promise<void> {
    this.cluster.drop(id);
  }

  async releaseSession(id: string): Promise<void> {
    this.cluster.patch(id, { owner: '', state: 'detached' });
  }

  onTakeover(handler: (sessionId: string) => void): () => void {
    return this.cluster.watch(this.processId, handler);
  }

  async claimMethod(sessionId: string, methodId: string): Promise<MethodClaim> {
    const methods = this.cluster.methodsOf(sessionId);
    const entry = methods.get(methodId);
    if (!entry || (!('frames' in entry) && !this.cluster.isAlive(entry.owner))) {
      methods.set(methodId, { owner: this.processId });
      return { kind: 'claimed', previousOwnerDied: entry !== undefined };
    }
    if ('frames' in entry) return { kind: 'done', frames: entry.frames };
    return { kind: 'running', owner: entry.owner };
  }

  recordResult(sessionId: string, methodId: string, frames: readonly string[]): void {
    this.cluster.methodsOf(sessionId).set(methodId, { frames });
  }

  releaseMethod(sessionId: string, methodId: string): void {
    this.cluster.methodsOf(sessionId).delete(methodId);
  }

  async sessions(): Promise<ClusterSession[]> {
    return this.cluster.list();
  }

  async close(): Promise<void> {
    this.cluster.leave(this.processId);
  }
}

/** A store of its own (one process); pass `new MemoryCluster().store()` to several servers to share one. */
export function memoryStore(processId?: string): SessionStore {
  return new MemoryCluster().store(processId);
}
