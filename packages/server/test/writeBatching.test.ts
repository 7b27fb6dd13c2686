import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type DDPServer, type PublicationContext } from '../src/index.js';
import { RawClient, stopAll } from './helpers.js';

// The server's TCP writes counted from inside (one `_write` or `_writev` per batch handed to the kernel).
const servers: { server: DDPServer; http: HttpServer }[] = [];
afterEach(async () => {
  await stopAll();
  for (const { server, http } of servers.splice(0)) {
    await server.close();
    await new Promise((r) => http.close(r));
  }
});

async function start(setup: (server: DDPServer) => void) {
  const server = createServer();
  server.on('error', () => {});
  setup(server);
  const http = createHttpServer();
  const writes = { count: 0 };
  http.on('connection', (tcp: Socket) => {
    const inner = tcp as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
    for (const name of ['_write', '_writev'] as const) {
      const original = inner[name].bind(tcp);
      inner[name] = (...a: unknown[]) => {
        writes.count++;
        return original(...a);
      };
    }
  });
  server.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  servers.push({ server, http });
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/websocket`;
  return { url, writes };
}

describe('server writes: a ready frame goes out at once, frames that belong together in one write', () => {
  it("a method's `updated` and `result` leave in one TCP write", async () => {
    const { url, writes } = await start((s) => s.methods({ echo: (x) => x }));
    const client = await RawClient.connect(url);
    const before = writes.count;
    client.send({ msg: 'method', id: '1', method: 'echo', params: [{ n: 1 }] });
    await client.next((m) => m.msg === 'result' && m.id === '1');
    await client.next((m) => m.msg === 'updated');
    expect(writes.count - before).toBe(1);
  });

  it('an async method: `updated` and `result` still leave together', async () => {
    const { url, writes } = await start((s) =>
      s.methods({ later: () => new Promise((r) => setTimeout(() => r('done'), 5)) }),
    );
    const client = await RawClient.connect(url);
    const before = writes.count;
    client.send({ msg: 'method', id: '1', method: 'later', params: [] });
    await client.next((m) => m.msg === 'result' && m.id === '1');
    await client.next((m) => m.msg === 'updated');
    expect(writes.count - before).toBe(1);
  });

  it('a change issued outside any inbound message is written at once; later ones of that tick together', async () => {
    let sub: PublicationContext | undefined;
    const { url, writes } = await start((s) =>
      s.publish('feed', function () {
        sub = this;
        this.added('feed', 'doc', { v: 0 });
        this.ready();
      }),
    );
    const client = await RawClient.connect(url);
    client.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await client.next((m) => m.msg === 'ready');
    await new Promise((r) => setImmediate(r));
    const before = writes.count;
    sub!.changed('feed', 'doc', { v: 1 });
    expect(writes.count - before).toBe(1); // written inside changed(): nothing waits for the tick's end
    sub!.changed('feed', 'doc', { v: 2 });
    sub!.changed('feed', 'doc', { v: 3 });
    expect(writes.count - before).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(writes.count - before).toBe(2); // v: 2 and v: 3 together at the end of the tick
    await client.next((m) => m.msg === 'changed' && (m.fields as { v: number }).v === 3);
    const values = client.messages
      .filter((m) => m.msg === 'changed')
      .map((m) => (m.fields as { v: number }).v);
    expect(values).toEqual([1, 2, 3]);
  });
});
