import { type CollectionChange, type Connection, connect } from '@ddpx/client';
import { type FaultProxy, startFaultProxy, startRedisServer, type TestRedisServer } from '@ddpx/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, startNode } from './support/cluster.js';

const CLIENTS = 6;
const ITEMS = ['a', 'b', 'c', 'd'];

let redis: TestRedisServer;
let raw: Redis;
let nodes: ClusterNode[] = [];
let proxy: FaultProxy;

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url).on('error', () => {});
  nodes = await Promise.all(['A', 'B', 'C'].map((id) => startNode(id, redis.url)));
  proxy = await startFaultProxy(nodes[0]!.port);
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
  raw?.disconnect();
  await redis?.close();
});

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Client {
  conn: Connection;
  session: string;
  changes: CollectionChange[];
  calls: Promise<unknown>[];
  callIds: string[];
}

describe('three ddpx processes on one Redis behind a re-pointable proxy', () => {
  it('SIGTERM then SIGKILL of the process the clients are on: same ids, every method once, equal collections, no flicker', async () => {
    const clients: Client[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const conn = connect(proxy.wsUrl);
      const sub = conn.subscribe('items');
      await sub.whenReady();
      const changes: CollectionChange[] = [];
      conn.collection('items').onChange((c) => changes.push(...c));
      clients.push({ conn, session: conn.sessionId!, changes, calls: [], callIds: [] });
    }
    let streaming = true;
    let seq = 0;
    const streams = clients.map(async (client, i) => {
      while (streaming) {
        const callId = `c${i}-${seq++}`;
        client.callIds.push(callId);
        client.calls.push(client.conn.call('bump', callId, ITEMS[seq % ITEMS.length]));
        await new Promise((r) => setTimeout(r, 15));
      }
    });
    const owners = () => Promise.all(clients.map((c) => raw.hget(`ddpx:s:${c.session}`, 'owner')));
    const onNode = (id: string) =>
      eventually(
        async () =>
          (await owners()).every((o) => o === id) && clients.every((c) => c.conn.status().connected),
        `every session on ${id}`,
      );
    await onNode('A');
    await new Promise((r) => setTimeout(r, 400));

    // Deploy: new connections go to B, A drains (SIGTERM).
    proxy.retarget(nodes[1]!.port);
    expect(await nodes[0]!.stop('SIGTERM')).toBe(0);
    await onNode('B');
    await new Promise((r) => setTimeout(r, 400));

    // Crash: new connections go to C, B is killed.
    proxy.retarget(nodes[2]!.port);
    await nodes[1]!.stop('SIGKILL');
    await onNode('C');
    await new Promise((r) => setTimeout(r, 400));
    streaming = false;
    await Promise.all(streams);
    await Promise.all(clients.flatMap((c) => c.calls));

    for (const c of clients) {
      expect(c.conn.sessionId).toBe(c.session);
      expect(c.conn.status().connected).toBe(true);
      expect(c.conn.lastResume?.reason).toBe('rebuilt');
    }
    // Every call ran once, except a call B was running when killed (at-least-once: run again on C).
    const runs = await raw.lrange('app:runs', 0, -1);
    const byCall = new Map<string, string[]>();
    for (const run of runs) {
      const [callId, node] = run.split('@') as [string, string];
      byCall.set(callId, [...(byCall.get(callId) ?? []), node]);
    }
    const allIds = clients.flatMap((c) => c.callIds);
    expect(allIds.length).toBeGreaterThan(CLIENTS * 20);
    for (const id of allIds) {
      const where = byCall.get(id);
      expect(where, id).toBeDefined();
      if (where!.length > 1) expect(where, `${id} ran twice`).toEqual(['B', 'C']);
    }
    const reruns = [...byCall.values()].filter((w) => w.length > 1).length;
    expect(reruns).toBeLessThan(allIds.length / 10);
    // onConnection ran once per client in the whole cluster; onClose never (no session ended)
    expect(Number(await raw.get('app:onConnection'))).toBe(CLIENTS);
    expect(await raw.get('app:onClose')).toBeNull();
    // Collections equal the server's view; no document was removed or added twice (no flicker).
    const truth = await raw.hgetall('app:items');
    await eventually(
      () =>
        clients.every((c) =>
          ITEMS.every((id) => c.conn.collection('items').findOne(id)?.v === Number(truth[id])),
        ),
      'collections equal to the server view',
    );
    for (const c of clients) {
      expect(c.changes.filter((ch) => ch.type === 'removed')).toEqual([]);
      const added = c.changes.filter((ch) => ch.type === 'added').map((ch) => ch.id);
      expect(new Set(added).size).toBe(added.length);
      c.conn.close();
    }
    console.log(`scenario: ${allIds.length} calls, ${reruns} re-run after the crash`);
  }, 40_000);
});
