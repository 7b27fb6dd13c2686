import { createServer, type DDPServer } from '@ddpx/server';
import { closeRawClients, RawClient, rawUrl } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';

let server: DDPServer | undefined;

afterEach(async () => {
  closeRawClients();
  await server?.close();
  server = undefined;
});

/** A real ddpx server on 127.0.0.1:0 with one method and one publication; returns its port. */
async function startServer(): Promise<number> {
  server = createServer({ forwardedCount: 1 });
  server.methods({
    add: (a, b) => (a as number) + (b as number),
    whereFrom() {
      return this.connection?.clientAddress;
    },
  });
  server.publish('letters', function () {
    this.added('letters', 'a', { n: 1 });
    this.ready();
  });
  return (await server.listen(0, '127.0.0.1')).port;
}

describe('RawClient against a real ddpx server', () => {
  for (const endpoint of ['websocket', 'sockjs'] as const) {
    it(`does the handshake, a call and a sub over ${endpoint}'s raw endpoint`, async () => {
      const port = await startServer();
      const c = await RawClient.connect(rawUrl(port, endpoint));
      expect(c.session).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/);
      expect(c.resumeToken).toEqual(expect.any(String));
      expect(await c.call('add', [2, 3], 'm1')).toEqual({ msg: 'result', id: 'm1', result: 5 });
      expect(await c.sub('letters', [], 's1')).toEqual({ msg: 'ready', subs: ['s1'] });
      expect(c.messages).toContainEqual({ msg: 'added', collection: 'letters', id: 'a', fields: { n: 1 } });
      const nosub = await c.sub('missing', [], 's2');
      expect(nosub).toMatchObject({ msg: 'nosub', id: 's2', error: { error: 404 } });
      expect(c.receivedCount).toBe(c.messages.filter((m) => m.msg !== 'ping' && m.msg !== 'pong').length);
    });
  }

  it('sends upgrade headers, and waitFor(…) sees frames arriving later', async () => {
    const port = await startServer();
    const c = await RawClient.connect(rawUrl(port), {}, [], {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(await c.call('whereFrom', [], 'w')).toMatchObject({ result: '203.0.113.9' });
    const later = c.waitFor((m) => m.msg === 'pong' && m.id === 'p1');
    setTimeout(() => c.send({ msg: 'ping', id: 'p1' }), 20);
    expect(await later).toEqual({ msg: 'pong', id: 'p1' });
  });

  it('rejects a wait when the socket closes or the time runs out, naming what it got', async () => {
    const port = await startServer();
    const c = await RawClient.connect(rawUrl(port));
    await expect(c.next((m) => m.msg === 'never', 50)).rejects.toThrow(
      /timed out after 50 ms; got .*connected/,
    );
    const waiting = c.next((m) => m.msg === 'never', 5000);
    server!.connections.values().next().value?.close();
    await expect(waiting).rejects.toThrow(/socket closed/);
    expect(c.closeCode).toBeDefined();
  });

  it('records a non-JSON frame as { raw } and a failed negotiation as the answer to connect', async () => {
    const port = await startServer();
    const c = await RawClient.connect(rawUrl(port), { version: 'zzz', support: ['zzz'] });
    expect(c.session).toBeUndefined();
    expect(c.messages.at(-1)).toEqual({ msg: 'failed', version: '1' });
    const d = await RawClient.connect(rawUrl(port));
    d.send('not json');
    const error = await d.next((m) => m.msg === 'error');
    expect(error).toMatchObject({ msg: 'error', reason: expect.any(String) });
  });

  it('close() sends a close frame; drop() cuts without one; closeRawClients() ends the rest', async () => {
    const port = await startServer();
    const a = await RawClient.connect(rawUrl(port));
    expect(await a.close()).toBe(1000);
    const b = await RawClient.connect(rawUrl(port));
    await b.drop();
    expect(b.closeCode).toBe(1006);
    const c = new RawClient(rawUrl(port));
    await c.opened;
    closeRawClients();
    expect(await c.closed).toBe(1006);
  });

  it('opened rejects when nothing listens; closed still resolves', async () => {
    const port = await startServer();
    await server!.close();
    server = undefined;
    const c = new RawClient(rawUrl(port));
    await expect(c.opened).rejects.toThrow(/ECONNREFUSED/);
    expect(await c.closed).toBe(1006);
  });
});
