import type { Connection } from './types.js';

/** Anything that carries its public connection handle (a session). */
export interface HasConnection {
  readonly connection: Connection;
}

/**
 * A read-only `Map` of connections by id, seen through the server's map of sessions: one map to keep
 * in step instead of two, and no second entry per session.
 */
export class ConnectionsView implements ReadonlyMap<string, Connection> {
  constructor(private readonly sessions: ReadonlyMap<string, HasConnection>) {}

  get size(): number {
    return this.sessions.size;
  }
  get(id: string): Connection | undefined {
    return this.sessions.get(id)?.connection;
  }
  has(id: string): boolean {
    return this.sessions.has(id);
  }
  keys(): IterableIterator<string> {
    return this.sessions.keys();
  }
  *values(): IterableIterator<Connection> {
    for (const session of this.sessions.values()) yield session.connection;
  }
  *entries(): IterableIterator<[string, Connection]> {
    for (const [id, session] of this.sessions) yield [id, session.connection];
  }
  [Symbol.iterator](): IterableIterator<[string, Connection]> {
    return this.entries();
  }
  forEach(callback: (value: Connection, key: string, map: ReadonlyMap<string, Connection>) => void): void {
    for (const [id, session] of this.sessions) callback(session.connection, id, this);
  }
}
