import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@ddpx/testing';
import { DDPServer } from 'mongodb-livedata-server';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connection, type ConnectOptions, connect } from '../src/index.js';
import { recordingLogger } from './helpers.js';

// mongodb-livedata-server: Meteor's ddp-server ported to npm; runs methods and low-level
// publications without MongoDB. It has no session resumption (a Meteor ≤ 3.4 server).
let http: Server | undefined;
const rawSockets = new Set<import('node:net').Socket>();
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  if (http) {
    for (const socket of rawSockets) socket.destroy();
    await new Promise<void>((r) => http!.close(() => r()));
    http = undefined;
  }
});

async function start(): Promise<number> {
  http = createServer();
  http.on('connection', (socket) => {
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
  });
  const ddp = new DDPServer({}, http);
  ddp.methods({
    add: async (a: number, b: number) => a + b,
    fail: async () => {
      throw new Error('boom');
    },
    whoami: async function (this: { connection: { id: string } }) {
      return this.connection.id;
    },
  });
  ddp.publish('items', async function (this: unknown, n: number) {
    const pub = this as { added(c: string, id: string, f: object): void; ready(): void };
    for (let i = 0; i < n; i++) pub.added('items', `i${i}`, { n: i });
    pub.ready();
  });
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
  return (http.address() as AddressInfo).port;
}

function client(url: string, options: ConnectOptions = {}) {
  const c = connect(url, { backoff: () => 20, logger: recordingLogger(), ...options });
  conns.push(c);
  return c;
}

describe('against mongodb-livedata-server (Meteor ddp-server)', () => {
  it('methods, errors and publications over /websocket', async () => {
    const port = await start();
    const c = client(`http://127.0.0.1:${port}`);
    await expect(c.call('add', 2, 3)).resolves.toBe(5);
    await expect(c.call('fail')).rejects.toMatchObject({ error: 500, code: 'DDP_REMOTE_ERROR' });
    await expect(c.call('nope')).rejects.toMatchObject({ error: 404 });
    const sub = c.subscribe('items', 3);
    await sub.whenReady();
    expect(
      c
        .collection('items')
        .find()
        .map((d) => d.n),
    ).toEqual([0, 1, 2]);
    const bad = c.subscribe('unknown');
    await expect(bad.whenReady()).rejects.toMatchObject({ error: 404 });
  });

  it('falls back cleanly without resumption: a new session, data re-sent, no flicker of lost docs', async () => {
    const port = await start();
    const c = client(`127.0.0.1:${port}`);
    const first = await c.call('whoami');
    const sub = c.subscribe('items', 2);
    await sub.whenReady();
    const removed: string[] = [];
    c.collection('items').onChange((cs) => {
      for (const ch of cs) ch.type === 'removed' && removed.push(ch.id);
    });
    for (const socket of rawSockets) socket.destroy();
    await until(() => c.lastResume?.outcome === 'new-session');
    expect(c.lastResume).toMatchObject({ outcome: 'new-session', offered: first });
    await until(() => c.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } }));
    expect(c.collection('items').size).toBe(2);
    expect(removed).toEqual([]);
    expect(sub.ready()).toBe(true);
    expect(await c.call('whoami')).not.toBe(first);
  });

  it('the SockJS transport works against the same server', async () => {
    const port = await start();
    const c = client(`http://127.0.0.1:${port}`, { transport: 'sockjs' });
    await expect(c.call('add', 40, 2)).resolves.toBe(42);
  });
});
