import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { DDPServer } from '../src/index.js';
import { createServer, DDPError } from '../src/index.js';
import { delay, start, stopAll } from './helpers.js';

const require = createRequire(import.meta.url);
type Ctor = new (options: Record<string, unknown>) => Record<string, unknown>;
const simpleDDP = require('simpleddp') as { default?: Ctor } & Ctor;
const DDPClient = require('ddp') as Ctor;
const ddpjs = require('ddp.js') as { default?: Ctor } & Ctor;
const SockJS = require('sockjs-client') as new (
  url: string,
  p: null,
  o: { transports: string[] },
) => {
  onopen: () => void;
  onmessage: (e: { data: string }) => void;
  onclose: (e: { code: number }) => void;
  send(s: string): void;
  close(): void;
};

const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) {
    try {
      c();
    } catch {}
  }
  await stopAll();
});

function app(s: DDPServer): void {
  s.methods({
    add: (a, b) => (a as number) + (b as number),
    fail: () => {
      throw new DDPError('nope', 'Denied');
    },
    when: () => new Date(1234),
  });
  s.publish('docs', function (n) {
    for (let i = 0; i < (n as number); i++) this.added('items', `id${i}`, { i });
    this.ready();
  });
}

describe('independent DDP clients from npm', () => {
  it('simpleddp: connect, call, error, subscribe, collection, stop, resubscribe', async () => {
    const { wsUrl } = await start({}, app);
    const Ctor = (simpleDDP.default ?? simpleDDP) as Ctor;
    const client = new Ctor({
      endpoint: wsUrl,
      SocketConstructor: WebSocket,
      reconnectInterval: 50,
    }) as Record<
      string,
      // biome-ignore lint/suspicious/noExplicitAny: third-party untyped client
      any
    >;
    cleanups.push(() => client.disconnect());
    await client.connect();
    expect(await client.call('add', 2, 3)).toBe(5);
    await expect(client.call('fail')).rejects.toMatchObject({ error: 'nope', reason: 'Denied' });
    const sub = client.subscribe('docs', 3);
    await sub.ready();
    expect(client.collection('items').fetch().length).toBe(3);
    await sub.stop();
    await delay(20);
    expect(client.collection('items').fetch().length).toBe(0);
    await sub.start();
    await sub.ready();
    expect(client.collection('items').fetch().length).toBe(3);
  });

  it('ddp (node-ddp): EJSON result, and retries the version named in failed', async () => {
    const { port, server } = await start({}, app);
    const sessions: string[] = [];
    server.on('connection', (e) => sessions.push(e.connection.id));
    // biome-ignore lint/suspicious/noExplicitAny: third-party untyped client
    const client: any = new DDPClient({ host: '127.0.0.1', port, autoReconnect: false, ddpVersion: 'pre2' });
    const closes: number[] = [];
    client.on('socket-close', (code: number) => closes.push(code));
    cleanups.push(() => client.close());
    await new Promise<void>((resolve, reject) =>
      client.connect((err: unknown) => (err ? reject(err) : resolve())),
    );
    expect(client.ddpVersion).toBe('1');
    // Its first socket leaks until the server closes it after `failed`; wait for that before calling.
    for (let i = 0; i < 100 && closes.length === 0; i++) await delay(10);
    expect(closes.length).toBe(1);
    const result = await new Promise((resolve, reject) =>
      client.call('when', [], (err: unknown, r: unknown) => (err ? reject(err) : resolve(r))),
    );
    expect(result).toEqual(new Date(1234));
    expect(sessions.length).toBe(1);
  });

  it('ddp.js over /websocket: method and subscription', async () => {
    const { wsUrl } = await start({}, app);
    const Ctor = (ddpjs.default ?? ddpjs) as Ctor;
    // biome-ignore lint/suspicious/noExplicitAny: third-party untyped client
    const ddp: any = new Ctor({ endpoint: wsUrl, SocketConstructor: WebSocket, autoReconnect: false });
    cleanups.push(() => ddp.disconnect());
    await new Promise<void>((resolve) => ddp.on('connected', resolve));
    const id = ddp.method('add', [40, 2]);
    const result = await new Promise((resolve) =>
      ddp.on('result', (m: { id: string; result: unknown }) => m.id === id && resolve(m.result)),
    );
    expect(result).toBe(42);
    const added: string[] = [];
    ddp.on('added', (m: { id: string }) => added.push(m.id));
    const subId = ddp.sub('docs', [2]);
    await new Promise<void>((resolve) =>
      ddp.on('ready', (m: { subs: string[] }) => m.subs.includes(subId) && resolve()),
    );
    expect(added).toEqual(['id0', 'id1']);
    ddp.unsub(subId);
    await new Promise<void>((resolve) => ddp.on('nosub', (m: { id: string }) => m.id === subId && resolve()));
  });

  it.each(['websocket', 'xhr-polling'])(
    'sockjs-client over /sockjs with the %s transport',
    async (transport) => {
      const { httpUrl, server } = await start({}, app);
      const transports: string[] = [];
      server.on('connection', (e) => transports.push(e.connection.transport));
      const sock = new SockJS(`${httpUrl}/sockjs`, null, { transports: [transport] });
      cleanups.push(() => sock.close());
      const messages: Record<string, unknown>[] = [];
      const waitFor = async (pred: (m: Record<string, unknown>) => boolean) => {
        for (let i = 0; i < 300; i++) {
          const m = messages.find(pred);
          if (m) return m;
          await delay(10);
        }
        throw new Error(`timeout: ${JSON.stringify(messages)}`);
      };
      sock.onmessage = (e) => messages.push(JSON.parse(e.data));
      await new Promise<void>((resolve) => {
        sock.onopen = () => resolve();
      });
      sock.send(JSON.stringify({ msg: 'connect', version: '1', support: ['1'] }));
      await waitFor((m) => m.msg === 'connected');
      sock.send(JSON.stringify({ msg: 'method', id: '1', method: 'add', params: [1, 1] }));
      expect(await waitFor((m) => m.msg === 'result')).toEqual({ msg: 'result', id: '1', result: 2 });
      expect(transports).toEqual(['sockjs']);
    },
  );

  it("a drain's retry hint is invisible to them: simpleddp, node-ddp and ddp.js reconnect on their own schedule and call again", async () => {
    const { port, wsUrl, server } = await start({}, app);
    // biome-ignore lint/suspicious/noExplicitAny: third-party untyped clients
    const clients: any = {};
    const SimpleDDP = (simpleDDP.default ?? simpleDDP) as Ctor;
    clients.simpleddp = new SimpleDDP({
      endpoint: wsUrl,
      SocketConstructor: WebSocket,
      reconnectInterval: 50,
    });
    await clients.simpleddp.connect();
    clients.nodeDdp = new DDPClient({ host: '127.0.0.1', port, autoReconnect: true, autoReconnectTimer: 50 });
    await new Promise<void>((resolve, reject) =>
      clients.nodeDdp.connect((err: unknown) => (err ? reject(err) : resolve())),
    );
    const DDPjs = (ddpjs.default ?? ddpjs) as Ctor;
    clients.ddpjs = new DDPjs({ endpoint: wsUrl, SocketConstructor: WebSocket, reconnectInterval: 50 });
    await new Promise<void>((resolve) => clients.ddpjs.once('connected', resolve));
    cleanups.push(
      () => clients.simpleddp.disconnect(),
      () => clients.nodeDdp.close(),
      () => clients.ddpjs.disconnect(),
    );

    await server.close({ drainMs: 30, comeBack: { afterMs: 2000, windowMs: 1000 } });
    const restarted = createServer();
    restarted.on('error', () => {});
    app(restarted);
    const back: string[] = [];
    restarted.on('connection', (e) => back.push(e.connection.id));
    await restarted.listen(port, '127.0.0.1');
    cleanups.push(() => void restarted.close());
    // Back well before the hint's 2 s: they do not read close reasons, and nothing failed.
    for (let i = 0; i < 200 && back.length < 3; i++) await delay(10);
    expect(back).toHaveLength(3);

    expect(await clients.simpleddp.call('add', 1, 2)).toBe(3);
    const nodeResult = await new Promise((resolve, reject) =>
      clients.nodeDdp.call('add', [2, 2], (err: unknown, r: unknown) => (err ? reject(err) : resolve(r))),
    );
    expect(nodeResult).toBe(4);
    const id = clients.ddpjs.method('add', [3, 3]);
    const ddpjsResult = await new Promise((resolve) =>
      clients.ddpjs.on('result', (m: { id: string; result: unknown }) => m.id === id && resolve(m.result)),
    );
    expect(ddpjsResult).toBe(6);
  });
});
