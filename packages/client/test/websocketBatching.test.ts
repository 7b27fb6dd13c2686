import type { AddressInfo, Socket } from 'node:net';
import { until } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { WebSocketTransport, type WebSocketTransportOptions } from '../src/index.js';

// A plain ws echo-less server recording what arrives, and the client's TCP writes counted from inside.
const servers: WebSocketServer[] = [];
const transports: WebSocketTransport[] = [];
afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function open(options: WebSocketTransportOptions = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: string[] = [];
  const closes: number[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => received.push(String(data)));
    ws.on('close', (code) => closes.push(code));
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/websocket`;
  const transport = new WebSocketTransport(url, options);
  transports.push(transport);
  let opened = false;
  transport.on('open', () => {
    opened = true;
  });
  transport.open();
  await until(() => opened);
  // Count the writes that reach the TCP socket (one `_write` or `_writev` per syscall batch).
  const tcp = (transport as unknown as { socket: { _socket: Socket } }).socket._socket;
  const writes = { count: 0 };
  const inner = tcp as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = inner[name].bind(tcp);
    inner[name] = (...a: unknown[]) => {
      writes.count++;
      return original(...a);
    };
  }
  return { transport, received, closes, writes };
}

const frames = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ msg: 'method', id: `${i}` }));

describe('WebSocketTransport: a lone frame goes out at once, later frames of its tick together (Node, ws)', () => {
  it('a frame with nothing else pending is written at once, not at the end of the tick', async () => {
    const { transport, received, writes } = await open();
    transport.send('{"msg":"method","id":"1"}');
    expect(writes.count).toBe(1);
    await until(() => received.length === 1);
    // A new tick: the next lone frame goes out at once too.
    transport.send('{"msg":"method","id":"2"}');
    expect(writes.count).toBe(2);
    await until(() => received.length === 2);
  });

  it('20 frames in one tick: the first at once, the other 19 in one TCP write, in order', async () => {
    const { transport, received, writes } = await open();
    const sent = frames(20);
    for (const f of sent) transport.send(f);
    expect(writes.count).toBe(1); // the rest queued until the end of the tick
    await until(() => received.length === 20);
    expect(received).toEqual(sent);
    expect(writes.count).toBe(2);
  });

  it('a full batch (maxBatchFrames) is written at once; order holds across batches', async () => {
    const { transport, received, writes } = await open({ maxBatchFrames: 4 });
    const sent = frames(10);
    for (const f of sent) transport.send(f);
    expect(writes.count).toBe(3); // the first frame, then two full batches of 4; the last wait for the microtask
    await until(() => received.length === 10);
    expect(received).toEqual(sent);
    expect(writes.count).toBe(4);
  });

  it('maxBatchFrames: 1 writes every frame on its own', async () => {
    const { transport, received, writes } = await open({ maxBatchFrames: 1 });
    const sent = frames(5);
    for (const f of sent) transport.send(f);
    expect(writes.count).toBe(5);
    await until(() => received.length === 5);
    expect(received).toEqual(sent);
  });

  it('close() in the same tick: the frames queued before it still go out, then the close', async () => {
    const { transport, received, closes } = await open();
    transport.send('{"msg":"method","id":"1"}');
    transport.send('{"msg":"disconnect"}');
    transport.close(1000, 'bye');
    await until(() => closes.length === 1);
    expect(received).toEqual(['{"msg":"method","id":"1"}', '{"msg":"disconnect"}']);
    expect(closes).toEqual([1000]);
    transport.send('{"msg":"late"}'); // after close: dropped, never thrown
  });

  it('rejects a batch size below 1', () => {
    expect(() => new WebSocketTransport('ws://127.0.0.1:1/websocket', { maxBatchFrames: 0 })).toThrow(
      RangeError,
    );
  });
});
