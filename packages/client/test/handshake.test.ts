import { describe, expect, it } from 'vitest';
import { flush, live, open, setup, V } from './helpers.js';

describe('handshake and negotiation (§9 scenarios 1–4)', () => {
  it('initial connect sends connect only; connected sends nothing (scenario 1)', async () => {
    const { conn, server } = setup();
    const socket = await open(server);
    expect(socket.messages()).toEqual([{ msg: 'connect', ...V }]);
    socket.receive({ msg: 'connected', session: '17' });
    await flush();
    expect(socket.messages()).toHaveLength(1);
    expect(conn.sessionId).toBe('17');
    expect(conn.lastResume).toMatchObject({ outcome: 'first-session', session: '17' });
  });

  it('a method called before the transport opens goes right after connect (scenario 2)', async () => {
    const { conn, server } = setup();
    conn.call('someMethod');
    const socket = await open(server);
    expect(socket.messages()).toEqual([
      { msg: 'connect', ...V },
      { msg: 'method', method: 'someMethod', params: [], id: '1' },
    ]);
  });

  it('renegotiates to the version the server suggests (scenario 3)', async () => {
    let called = false;
    const { conn, server, clock } = setup({
      supportedDDPVersions: ['garbled', '1'],
      onDDPVersionNegotiationFailure: () => {
        called = true;
      },
    });
    let socket = await open(server);
    expect(socket.messages()[0]).toEqual({ msg: 'connect', version: 'garbled', support: ['garbled', '1'] });
    socket.receive({ msg: 'failed', version: '1' });
    await flush();
    expect(conn.status().status).toBe('waiting');
    expect(conn.status().retryTime! - clock.now()).toBe(10);
    clock.increment(10);
    socket = await open(server);
    expect(socket.messages()[0]).toEqual({ msg: 'connect', version: '1', support: ['garbled', '1'] });
    socket.receive({ msg: 'connected', session: 'x' });
    expect(conn.actor.getSnapshot().context.version).toBe('1');
    expect(called).toBe(false);
  });

  it('fails permanently when the server suggests an unsupported version (scenario 4), both option spellings', async () => {
    for (const key of ['onDDPVersionNegotiationFailure', 'onDDPNegotiationVersionFailure'] as const) {
      const descriptions: string[] = [];
      const { conn, server } = setup({
        supportedDDPVersions: ['garbled', 'more garbled'],
        [key]: (d: string) => descriptions.push(d),
      });
      const socket = await open(server);
      socket.receive({ msg: 'failed', version: '1' });
      await flush();
      expect(conn.status()).toMatchObject({ status: 'failed', connected: false });
      expect(conn.status().reason).toMatch(/DDP version negotiation failed/);
      expect(descriptions).toEqual(['DDP version negotiation failed; server requested version 1']);
      const before = server.sockets.length;
      conn.reconnect();
      await flush();
      expect(server.sockets.length).toBe(before);
    }
  });
});

describe('bad input never reaches the app', () => {
  it('drops and counts non-JSON, unknown msg, unknown ids, oversized frames; the connection goes on', async () => {
    const { conn, server, logger } = setup({ maxMessageLength: 1000 });
    const socket = await live(conn, server);
    socket.receive('not json');
    socket.receive('[1,2]');
    socket.receive({ server_id: '0' }); // Meteor's hello: silently ignored
    socket.receive({ testMessageOnConnect: true });
    socket.receive({ msg: 'bogus' });
    socket.receive({ msg: 'result', id: '99', result: 1 });
    socket.receive({ msg: 'ready', subs: ['nope'] });
    socket.receive({ msg: 'nosub', id: 'nope' });
    socket.receive({ msg: 'updated', methods: ['42'] });
    socket.receive({ msg: 'changed', collection: 'c', id: 'missing', fields: { a: 1 } });
    socket.receive(
      JSON.stringify({ msg: 'added', collection: 'c', id: 'big', fields: { s: 'x'.repeat(2000) } }),
    );
    socket.receive({ msg: 'error', reason: 'Bad request' });
    socket.receive({ msg: 'addedBefore', collection: 'c', id: 'a', fields: {}, before: null });
    await flush();
    expect(conn.status().status).toBe('connected');
    expect(conn.stats().badInput).toMatchObject({
      'invalid-json': 1,
      'no-msg': 2,
      'unknown-msg': 1,
      'unknown-method-result': 1,
      'unknown-subscription': 2,
      'inconsistent-data': 1,
      'unknown-method-updated': 1,
      oversized: 1,
      'server-error': 1,
      'unsupported-msg': 1,
    });
    // Logged once per kind (10 kinds; two kinds came twice and were counted, not logged again).
    expect(logger.warnings.length).toBe(10);
    const p = conn.call('still works');
    socket.receive({ msg: 'result', id: '1', result: 'yes' });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(p).resolves.toBe('yes');
  });

  it('a throwing app callback is logged, not thrown', async () => {
    const { conn, server, logger } = setup();
    const socket = await live(conn, server);
    conn.collection('c').onChange(() => {
      throw new Error('app bug');
    });
    conn.subscribe('s', {
      onReady: () => {
        throw new Error('app bug 2');
      },
    });
    const sub = socket.messages().at(-1)!.id as string;
    socket.receive({ msg: 'added', collection: 'c', id: 'a' });
    socket.receive({ msg: 'ready', subs: [sub] });
    expect(conn.status().status).toBe('connected');
    expect(logger.errors.length + logger.warnings.length).toBeGreaterThanOrEqual(2);
  });
});
