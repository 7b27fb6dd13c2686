import { describe, expect, it } from 'vitest';
import type { ClientStatus } from '../src/index.js';
import { flush, live, open, setup, V } from './helpers.js';

describe('status (§9 scenarios 28–31)', () => {
  it('history: connecting → connected → offline → connecting → connected, a new frozen object per change', async () => {
    const { conn, server } = setup();
    const history: ClientStatus[] = [conn.status()];
    conn.onStatus((s) => history.push(s));
    await open(server);
    const before = conn.status();
    expect(Object.isFrozen(before)).toBe(true);
    conn.disconnect();
    await flush();
    conn.reconnect();
    await open(server);
    expect(history.map((s) => s.status)).toEqual([
      'connecting',
      'connected',
      'offline',
      'connecting',
      'connected',
    ]);
    expect(new Set(history).size).toBe(history.length);
  });

  it('offline stays offline on a browser online event (scenario 29)', async () => {
    const { conn, server } = setup();
    await open(server);
    conn.disconnect();
    conn.actor.send({ type: 'NETWORK.ONLINE' });
    await flush();
    expect(conn.status().status).toBe('offline');
  });

  it('reconnect() while connected is a no-op; reconnect({url}) moves with the old session (scenarios 30, 35)', async () => {
    const { conn, server, clock } = setup();
    await live(conn, server, 'S1');
    conn.reconnect();
    expect(conn.status().status).toBe('connected');
    conn.reconnect({ url: 'ws://other/websocket' });
    expect(conn.status().status).toBe('waiting');
    clock.increment(10);
    await flush();
    const socket = await open(server);
    expect(socket.url).toBe('ws://other/websocket');
    expect(socket.messages()[0]).toEqual({ msg: 'connect', session: 'S1', receivedCount: 1, ...V });
    const p = conn.call('where');
    socket.receive({ msg: 'connected', session: 'S2' });
    socket.receive({ msg: 'result', id: '1', result: 'other' });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(p).resolves.toBe('other');
  });

  it('backoff: 10, 10, then ~4.84 s, ~10.6 s (±25 %); retryCount 0,1,1,2,2,3 (scenario 31)', async () => {
    const { conn, server, clock } = setup({ random: () => 0.5 });
    const seen: string[] = [];
    conn.onStatus((s) => seen.push(`${s.status}:${s.retryCount}`));
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      server.current.refuse();
      await flush();
      const s = conn.status();
      expect(s.status).toBe('waiting');
      delays.push(s.retryTime! - clock.now());
      clock.increment(Math.ceil(s.retryTime! - clock.now()) + 1);
      await flush();
    }
    expect(delays[0]).toBe(10);
    expect(delays[1]).toBe(10);
    expect(delays[2]).toBeCloseTo(1000 * 2.2 ** 2, 5);
    expect(delays[3]).toBeCloseTo(1000 * 2.2 ** 3, 5);
    expect(seen).toEqual([
      'waiting:0',
      'connecting:1',
      'waiting:1',
      'connecting:2',
      'waiting:2',
      'connecting:3',
      'waiting:3',
      'connecting:4',
    ]);
    await open(server);
    expect(conn.status().retryCount).toBe(0);
  });

  it('retry: false ends in a non-permanent failed; reconnect() works', async () => {
    const { conn, server } = setup({ retry: false });
    server.current.refuse();
    await flush();
    expect(conn.status()).toEqual({ status: 'failed', connected: false, retryCount: 0 });
    conn.reconnect();
    await open(server);
    expect(conn.status().status).toBe('connected');
  });

  it('connect timeout → waiting', async () => {
    const { conn, clock } = setup({ connectTimeoutMs: 500 });
    clock.increment(499);
    expect(conn.status().status).toBe('connecting');
    clock.increment(1);
    await flush();
    expect(conn.status().status).toBe('waiting');
  });
});

describe('heartbeat (§9 scenario 33)', () => {
  it('pings after 17.5 s idle, drops after 15 s more; any inbound message counts', async () => {
    const { conn, server, clock } = setup();
    const socket = await live(conn, server, 'S');
    clock.increment(17_500);
    expect(socket.messages().at(-1)).toEqual({ msg: 'ping' });
    clock.increment(14_000);
    socket.receive({ msg: 'added', collection: 'c', id: 'a' }); // not a pong: still counts
    await flush();
    clock.increment(2_000);
    expect(conn.status().status).toBe('connected');
    const pings = () => socket.messages().filter((m) => m.msg === 'ping').length;
    expect(pings()).toBe(1);
    clock.increment(17_500);
    expect(pings()).toBe(2);
    clock.increment(15_000);
    await flush();
    expect(conn.status().status).toBe('waiting');
    clock.increment(10);
    await flush();
    const next = await open(server);
    expect(next.messages()[0]).toMatchObject({ msg: 'connect', session: 'S' });
  });

  it('traffic keeps the link alive without pings; interval 0 disables', async () => {
    const a = setup();
    const socket = await live(a.conn, a.server);
    for (let i = 0; i < 5; i++) {
      a.clock.increment(10_000);
      socket.receive({ msg: 'ping' });
    }
    expect(socket.messages().filter((m) => m.msg === 'ping')).toHaveLength(0);
    expect(socket.messages().filter((m) => m.msg === 'pong')).toHaveLength(5);
    const b = setup({ heartbeatInterval: 0 });
    const s2 = await live(b.conn, b.server);
    b.clock.increment(100_000);
    expect(s2.messages().filter((m) => m.msg === 'ping')).toHaveLength(0);
  });

  it('respondToPings: false answers nothing; pong echoes the id', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    socket.receive({ msg: 'ping', id: 'X' });
    expect(socket.messages().at(-1)).toEqual({ msg: 'pong', id: 'X' });
    const b = setup({ respondToPings: false });
    const s2 = await live(b.conn, b.server);
    s2.receive({ msg: 'ping' });
    expect(s2.messages().filter((m) => m.msg === 'pong')).toHaveLength(0);
  });
});
