import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CollectionChange, Connection } from '@ddpx/client';
import { type FaultProxy, sleep, startFaultProxy, until } from '@ddpx/testing';
import { DDPServer } from 'mongodb-livedata-server';
import { afterEach, describe, expect, it } from 'vitest';
import { clientView, startFrontend } from './support/harness.js';

// The ddpx client against mongodb-livedata-server (Meteor's ddp-server without resumption, a
// Meteor ≤ 3.4 server), through the fault proxy. After a cut the offered session is ignored: the
// client must recover exactly as Meteor's client does — new session, re-send, one quiet store reset.

type Fields = Record<string, unknown>;
interface Pub {
  added(c: string, id: string, f: Fields): void;
  changed(c: string, id: string, f: Fields): void;
  removed(c: string, id: string): void;
  ready(): void;
  onStop(cb: () => void): void;
}

let http: Server | undefined;
let proxy: FaultProxy | undefined;
let client: Connection | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await proxy?.close();
  proxy = undefined;
  if (http) {
    http.closeAllConnections();
    await new Promise<void>((r) => http!.close(() => r()));
  }
  http = undefined;
});

async function startLivedata() {
  http = createServer();
  const ddp = new DDPServer({}, http);
  const db = new Map<string, Fields>();
  const pubs = new Set<Pub>();
  const runs = new Map<string, number>();
  const sessions: string[] = [];
  let onSlowStart: (() => void) | undefined;
  ddp.onConnection((conn) => sessions.push(conn.id));
  ddp.publish('items', async function (this: unknown) {
    const pub = this as Pub;
    pubs.add(pub);
    pub.onStop(() => pubs.delete(pub));
    for (const [id, f] of db) pub.added('items', id, f);
    pub.ready();
  });
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  const put = (id: string, f: Fields) => {
    const had = db.has(id);
    db.set(id, { ...db.get(id), ...f });
    for (const p of pubs) had ? p.changed('items', id, f) : p.added('items', id, f);
  };
  ddp.methods({
    whoami: async function (this: { connection: { id: string } }) {
      return this.connection.id;
    },
    write: async (k: number) => {
      count(`write:${k}`);
      put(`w${k}`, { k, by: 'write' });
      return `w${k}`;
    },
    bump: async (k: number) => {
      count(`bump:${k}`);
      return `b${k}`;
    },
    slow: async (k: number) => {
      count(`slow:${k}`);
      onSlowStart?.();
      await sleep(40);
      return `s${k}`;
    },
  });
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as AddressInfo).port;
  proxy = await startFaultProxy({ port });
  return {
    db,
    runs,
    sessions,
    set onSlowStart(f: (() => void) | undefined) {
      onSlowStart = f;
    },
    put,
    remove(id: string) {
      db.delete(id);
      for (const p of pubs) p.removed('items', id);
    },
  };
}

describe('fallback against a server without resumption (mongodb-livedata-server)', () => {
  it('after a cut: a new session, calls re-sent, one flicker-free store reset, subscription ready again, onReady not re-fired', async () => {
    const s = await startLivedata();
    for (const id of ['keep1', 'keep2', 'change', 'gone']) s.put(id, { v: 1 });
    const front = startFrontend(proxy!.wsUrl);
    client = front.client;
    let readies = 0;
    const sub = client.subscribe('items', { onReady: () => readies++ });
    await sub.whenReady();
    const first = client.sessionId;
    expect(first).toBe(s.sessions[0]);
    const batches: CollectionChange[][] = [];
    client.collection('items').onChange((changes) => batches.push([...changes]));

    // The link dies while a method runs server-side; the server drops the session at once.
    s.onSlowStart = () => {
      s.onSlowStart = undefined;
      proxy!.refuse(true);
      proxy!.cut();
    };
    const work = front.issue(0, 20); // includes slow calls (see callKind)
    await until(() => proxy!.cuts === 1);
    // While the client is away the data changes.
    s.put('change', { v: 2 });
    s.remove('gone');
    s.put('fresh', { v: 1 });
    await sleep(20);
    proxy!.refuse(false);
    await work;
    await until(() => client!.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } }));

    expect(s.sessions).toHaveLength(2);
    expect(client.sessionId).toBe(s.sessions[1]);
    expect(client.lastResume).toMatchObject({
      outcome: 'new-session',
      reason: 'new-session', // the server sent no reason of its own
      offered: first,
      session: s.sessions[1],
    });
    // The store reset and the new data arrived as one batch of net changes.
    const flat = batches.flat().map((c) => `${c.type}:${c.id}`);
    expect(flat.filter((c) => c.endsWith(':keep1') || c.endsWith(':keep2'))).toEqual([]);
    const reset = batches.find((b) => b.some((c) => c.id === 'gone'))?.map((c) => `${c.type}:${c.id}`);
    expect(reset).toEqual(expect.arrayContaining(['changed:change', 'removed:gone', 'added:fresh']));
    for (const id of ['keep1', 'keep2', 'change', 'fresh', 'gone', ...[...s.db.keys()]]) {
      const forId = flat.filter((c) => c.endsWith(`:${id}`));
      expect(forId.join(',')).not.toMatch(/removed:[^,]+,added:/); // never removed-then-added
    }
    expect(clientView(client)).toEqual(s.db);
    expect(sub.ready()).toBe(true);
    expect(readies).toBe(1);
    // Every call reached the app exactly once; without resumption a call in flight at the cut may run
    // again on the new session (Meteor ≤ 3.4's at-least-once), which is what happened to the slow one.
    for (const c of front.calls)
      expect([c.key, c.resolved, c.resultReceived, c.value]).toEqual([c.key, 1, 1, c.expected]);
    const again = [...s.runs].filter(([, n]) => n > 1).map(([k]) => k);
    expect(again).toEqual(['slow:3']); // the first slow call (a `wait` call, alone in flight) was cut
    expect(await client.call('whoami')).toBe(s.sessions[1]);
    expect(client.stats().badInput['inconsistent-data']).toBeUndefined();
  });

  it('a noRetry call in flight at the cut fails with invocation-failed once the session is known to be new', async () => {
    const s = await startLivedata();
    client = startFrontend(proxy!.wsUrl).client;
    await client.call('whoami');
    s.onSlowStart = () => {
      s.onSlowStart = undefined;
      proxy!.cut();
    };
    const lost = client.apply('slow', [1], { noRetry: true });
    await expect(lost).rejects.toMatchObject({ error: 'invocation-failed' });
    expect(client.lastResume?.outcome).toBe('new-session');
    expect(s.runs.get('slow:1')).toBe(1); // never re-sent
    await expect(client.call('bump', 2)).resolves.toBe('b2');
  });
});
