import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

const require = createRequire(import.meta.url);
const SockJS = require('sockjs-client') as new (
  url: string,
  p: null,
  o: { transports: string[] },
) => { onopen: () => void; onclose: (e: { code: number }) => void; send(s: string): void; close(): void };

afterEach(stopAll);

describe('limits', () => {
  it('an oversized frame closes only that connection, with 1009 (payload-too-large)', async () => {
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ maxPayloadBytes: 1024 }, (s) => s.methods({ echo: (x) => x }));
    server.on('close', (e) => reasons.push(e.reason));
    const bystander = await RawClient.connect(wsUrl);
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'echo', params: ['x'.repeat(2000)] });
    expect(await c.closed).toBe(1009);
    await delay(10);
    expect(reasons).toEqual(['payload-too-large']);
    expect((await bystander.call('echo', ['ok'])).result).toBe('ok');
  });

  it('an oversized SockJS message closes that connection with 4009 (1009 in the range SockJS can carry)', async () => {
    const reasons: CloseReason[] = [];
    const { httpUrl, server } = await start({ maxPayloadBytes: 1024 });
    server.on('close', (e) => reasons.push(e.reason));
    const sock = new SockJS(`${httpUrl}/sockjs`, null, { transports: ['websocket'] });
    await new Promise<void>((r) => {
      sock.onopen = () => r();
    });
    const closed = new Promise<number>((r) => {
      sock.onclose = (e) => r(e.code);
    });
    sock.send(JSON.stringify({ msg: 'connect', version: '1', support: ['1'] }));
    await delay(30);
    sock.send(JSON.stringify({ msg: 'method', id: '1', method: 'x', params: ['y'.repeat(5000)] }));
    expect(await closed).toBe(4009);
    expect(reasons).toEqual(['payload-too-large']);
  });

  it('too many queued messages closes the session (queue-overflow)', async () => {
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ maxQueuedMessages: 5 }, (s) =>
      s.methods({ hang: () => new Promise(() => {}) }),
    );
    server.on('close', (e) => reasons.push(e.reason));
    const c = await RawClient.connect(wsUrl);
    for (let i = 0; i < 10; i++) c.send({ msg: 'method', id: String(i), method: 'hang', params: [] });
    expect(await c.closed).toBe(1008);
    expect(reasons).toEqual(['queue-overflow']);
  });

  it('a client that stops reading is closed once maxBufferedBytes are queued (slow-consumer)', async () => {
    const reasons: CloseReason[] = [];
    const big = 'x'.repeat(1_000_000);
    const { wsUrl, server } = await start({ maxBufferedBytes: 256 * 1024 }, (s) =>
      s.methods({ big: () => big }),
    );
    server.on('close', (e) => reasons.push(e.reason));
    const bystander = await RawClient.connect(wsUrl);
    const c = await RawClient.connect(wsUrl);
    c.ws.pause(); // the client's TCP receive window fills, then the server's send buffer grows
    for (let i = 0; i < 40 && reasons.length === 0; i++) {
      c.send({ msg: 'method', id: String(i), method: 'big', params: [] });
      await delay(5);
    }
    expect(reasons).toEqual(['slow-consumer']);
    expect(server.connections.size).toBe(1);
    expect((await bystander.call('big', [])).result).toBe(big);
  });

  it('maxSessions refuses sockets beyond the limit with 1013', async () => {
    const { wsUrl } = await start({ maxSessions: 1 });
    await RawClient.connect(wsUrl);
    const refused = new RawClient(wsUrl);
    expect(await refused.closed).toBe(1013);
  });

  it('close({ drainMs }) closes sessions gradually, each with reason server-close', async () => {
    const closedAt: number[] = [];
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start();
    server.on('close', (e) => {
      closedAt.push(Date.now());
      reasons.push(e.reason);
    });
    const clients = await Promise.all([1, 2, 3, 4].map(() => RawClient.connect(wsUrl)));
    const t0 = Date.now();
    await server.close({ drainMs: 200 });
    expect(reasons).toEqual(['server-close', 'server-close', 'server-close', 'server-close']);
    // Timers never fire early, so the spread is at least 3 steps of drainMs / 4.
    expect(closedAt[3]! - t0).toBeGreaterThanOrEqual(140);
    for (const c of clients) expect(await c.closed).toBe(1001);
  });
});
