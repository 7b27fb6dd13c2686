import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason, Connection, ServerEvents } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

describe('the connection object (scenario 37)', () => {
  it('client goodbye → onClose fires (deferred); onClose registered after close still fires; close reason client-disconnect', async () => {
    const events: string[] = [];
    let conn!: Connection;
    const closes: ServerEvents['close'][] = [];
    const { wsUrl, server } = await start({}, (s) =>
      s.onConnection((c) => {
        conn = c;
        c.onClose(() => {
          events.push('onClose');
          c.onClose(() => events.push('nested'));
        });
      }),
    );
    server.on('close', (e) => closes.push(e));
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'disconnect' });
    c.ws.close();
    await c.closed;
    await delay(30);
    expect(events).toEqual(['onClose', 'nested']);
    let late = false;
    conn.onClose(() => (late = true));
    expect(late).toBe(false); // never synchronously
    await delay(5);
    expect(late).toBe(true);
    expect(closes.map((e) => e.reason)).toEqual(['client-disconnect']);
    expect(server.connections.size).toBe(0);
  });

  it('connection.close() closes the socket; the next connect is a new session', async () => {
    const ids: string[] = [];
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({}, (s) =>
      s.methods({
        kick: function () {
          this.connection.close();
        },
      }),
    );
    server.on('connection', (e) => ids.push(e.connection.id));
    server.on('close', (e) => reasons.push(e.reason));
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'kick', params: [] });
    await c.closed;
    const c2 = await RawClient.connect(wsUrl, { session: c.session, receivedCount: 1 });
    expect(c2.session).not.toBe(c.session);
    expect(ids).toEqual([c.session, c2.session]);
    expect(reasons).toEqual(['connection-close']);
  });

  it('a stop() inside an onConnection callback keeps later callbacks from running for that connection', async () => {
    const calls: string[] = [];
    const { wsUrl } = await start({}, (s) => {
      const handles: { stop(): void }[] = [];
      handles.push(
        s.onConnection(() => {
          calls.push('first');
          for (const h of handles) h.stop();
        }),
      );
      handles.push(s.onConnection(() => calls.push('second')));
    });
    await RawClient.connect(wsUrl);
    await RawClient.connect(wsUrl);
    expect(calls).toEqual(['first']);
  });

  it('a throwing onConnection callback is reported and later callbacks still run', async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const { wsUrl, server } = await start({}, (s) => {
      s.onConnection(() => {
        throw new Error('oops');
      });
      s.onConnection(() => calls.push('second'));
    });
    server.on('error', (e) => errors.push(e.context));
    await RawClient.connect(wsUrl);
    expect(calls).toEqual(['second']);
    expect(errors).toEqual(['onConnection callback']);
  });

  it('exposes exactly the whitelisted headers (never cookie or authorization) and the socket address', async () => {
    let conn!: Connection;
    const { wsUrl } = await start({ forwardedCount: 0 }, (s) => s.onConnection((c) => (conn = c)));
    const c = new RawClient(wsUrl, {
      headers: {
        cookie: 'sid=secret',
        authorization: 'Bearer secret',
        'user-agent': 'test-agent',
        'accept-language': 'fr',
        'x-forwarded-for': '9.9.9.9',
        'x-custom': 'nope',
      },
    });
    await c.opened;
    c.send({ msg: 'connect', version: '1', support: ['1'] });
    await c.next((m) => m.msg === 'connected');
    expect(Object.keys(conn.httpHeaders).sort()).toEqual([
      'accept-language',
      'host',
      'user-agent',
      'x-forwarded-for',
    ]);
    expect(conn.httpHeaders['user-agent']).toBe('test-agent');
    expect(conn.clientAddress).toBe('127.0.0.1');
    expect(conn.transport).toBe('websocket');
  });

  it('clientAddress comes from x-forwarded-for by the n-th-from-right rule when forwardedCount > 0', async () => {
    const seen: (string | null)[] = [];
    const { wsUrl } = await start({ forwardedCount: 2 }, (s) =>
      s.onConnection((c) => seen.push(c.clientAddress)),
    );
    for (const xff of ['1.1.1.1, 2.2.2.2', '6.6.6.6,1.1.1.1 , 2.2.2.2', '2.2.2.2', 'garbage, 2.2.2.2']) {
      const c = new RawClient(wsUrl, { headers: { 'x-forwarded-for': xff } });
      await c.opened;
      c.send({ msg: 'connect', version: '1', support: ['1'] });
      await c.next((m) => m.msg === 'connected');
    }
    expect(seen).toEqual(['1.1.1.1', '1.1.1.1', null, null]);
  });

  it('server heartbeat: pings after heartbeatInterval and closes after heartbeatTimeout without an answer (scenario 34)', async () => {
    const reasons: CloseReason[] = [];
    let closed = false;
    const { wsUrl, server } = await start(
      { heartbeatInterval: 100, heartbeatTimeout: 100, resume: false },
      (s) => s.onConnection((c) => c.onClose(() => (closed = true))),
    );
    server.on('close', (e) => reasons.push(e.reason));
    const c = await RawClient.connect(wsUrl);
    await c.next((m) => m.msg === 'ping');
    await c.closed;
    await delay(5);
    expect(reasons).toEqual(['heartbeat-timeout']);
    expect(closed).toBe(true);
    // Answering pings keeps the session alive.
    const d = await RawClient.connect(wsUrl);
    d.ws.on('message', (raw) => {
      if (JSON.parse(String(raw)).msg === 'ping') d.send({ msg: 'pong' });
    });
    await delay(450);
    expect(d.closeCode).toBeUndefined();
    expect(d.messages.filter((m) => m.msg === 'ping').length).toBeGreaterThan(0);
  });

  it('no heartbeat for pre1', async () => {
    const { wsUrl } = await start({ heartbeatInterval: 30, heartbeatTimeout: 30 });
    const c = await RawClient.connect(wsUrl, { version: 'pre1', support: ['pre1'] });
    await delay(150);
    expect(c.messages).toEqual([{ msg: 'connected', session: c.session, resumeToken: expect.any(String) }]);
    expect(c.closeCode).toBeUndefined();
  });
});

describe('inspect option', () => {
  it("every session's machine reports to the inspector: handshake, establishment, goodbye", async () => {
    const events: string[] = [];
    const { wsUrl } = await start({
      inspect: (e) => {
        if (e.type === '@xstate.event') events.push((e.event as { type: string }).type);
      },
    });
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'disconnect' });
    c.ws.close();
    await c.closed;
    await delay(20);
    expect(events).toContain('DDP.CONNECT');
    expect(events).toContain('DISCONNECT');
    expect(events).toContain('SOCKET.CLOSED');
  });
});
