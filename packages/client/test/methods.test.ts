import { describe, expect, it } from 'vitest';
import { flush, live, setup } from './helpers.js';

describe('method blocks and wait (§9 scenario 25)', () => {
  it('orders two wait methods exactly as Meteor', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const done: string[] = [];
    const names = ['one', 'two', 'three', 'four', 'five', 'six'];
    const waits = new Set(['two', 'five']);
    for (const n of names) conn.apply(n, [], { wait: waits.has(n) }).then((r) => done.push(r as string));
    const sent = () =>
      socket
        .messages()
        .slice(1)
        .map((m) => m.method);
    expect(sent()).toEqual(['one']);
    socket.receive({ msg: 'added', collection: 'c', id: 'foo', fields: { x: 1 } });
    expect(conn.collection('c').findOne('foo')).toEqual({ _id: 'foo', x: 1 });
    socket.receive({ msg: 'result', id: '1', result: 'one' });
    await flush();
    expect(done).toEqual([]);
    socket.receive({ msg: 'updated', methods: ['1'] });
    await flush();
    expect(done).toEqual(['one']);
    expect(sent()).toEqual(['one', 'two']);
    socket.receive({ msg: 'changed', collection: 'c', id: 'foo', fields: { y: 3 } });
    expect(conn.collection('c').findOne('foo')).toEqual({ _id: 'foo', x: 1 }); // held by the wait method
    socket.receive({ msg: 'updated', methods: ['2'] });
    await flush();
    expect(conn.collection('c').findOne('foo')).toEqual({ _id: 'foo', x: 1, y: 3 });
    expect(done).toEqual(['one']);
    expect(sent()).toEqual(['one', 'two']);
    socket.receive({ msg: 'result', id: '2', result: 'two' });
    await flush();
    expect(done).toEqual(['one', 'two']);
    expect(sent()).toEqual(['one', 'two', 'three', 'four']);
    socket.receive({ msg: 'result', id: '3', result: 'three' });
    socket.receive({ msg: 'result', id: '4', result: 'four' });
    socket.receive({ msg: 'updated', methods: ['4'] });
    await flush();
    expect(done).toEqual(['one', 'two', 'four']);
    expect(sent()).toHaveLength(4);
    socket.receive({ msg: 'updated', methods: ['3'] });
    await flush();
    expect(done).toEqual(['one', 'two', 'four', 'three']);
    expect(sent()).toEqual(['one', 'two', 'three', 'four', 'five']);
    socket.receive({ msg: 'result', id: '5', result: 'five' });
    socket.receive({ msg: 'updated', methods: ['5'] });
    await flush();
    expect(done).toEqual(['one', 'two', 'four', 'three', 'five']);
    expect(sent()).toEqual(['one', 'two', 'three', 'four', 'five', 'six']);
  });

  it('unsent methods do not block; randomSeed only when the stub used randomness (scenario 26)', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    conn.methods({
      insertSomething() {
        conn.collection('things').insert({ a: 1 });
      },
      fixedId() {
        conn.collection('things').insert({ _id: 'fixed', a: 2 });
      },
    });
    conn.call('noop1');
    conn.apply('noop2', [], { wait: true });
    conn.call('insertSomething');
    expect(conn.collection('things').size).toBe(1); // the stub ran at call time
    const last = () => socket.messages().at(-1)!;
    expect(last().method).toBe('noop1');
    socket.receive({ msg: 'updated', methods: ['1'] });
    socket.receive({ msg: 'result', id: '1' });
    await flush();
    expect(last().method).toBe('noop2');
    socket.receive({ msg: 'updated', methods: ['2'] });
    socket.receive({ msg: 'result', id: '2' });
    await flush();
    expect(last()).toMatchObject({ method: 'insertSomething', id: '3' });
    expect(typeof last().randomSeed).toBe('string');
    socket.receive({ msg: 'updated', methods: ['3'] });
    socket.receive({ msg: 'result', id: '3' });
    await flush();
    expect(conn.collection('things').size).toBe(0); // reverted: the server wrote nothing
    conn.call('fixedId');
    expect(last()).toEqual({ msg: 'method', method: 'fixedId', params: [], id: '4' });
  });

  it('replaces a stub document with the server version on updated (scenario 27)', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    conn.methods({
      ins() {
        return conn.collection('c').insert({ stub: true });
      },
    });
    const changes: string[] = [];
    conn.collection('c').onChange((cs) => {
      for (const c of cs) changes.push(`${c.type}:${c.id}`);
    });
    const first = conn.apply('ins', [], { returnStubValue: true });
    const id = (await first) as string;
    expect(changes).toEqual([`added:${id}`]);
    socket.receive({ msg: 'result', id: '1', result: '1234' });
    socket.receive({ msg: 'added', collection: 'c', id, fields: { server: true } });
    expect(conn.collection('c').findOne(id)).toEqual({ _id: id, stub: true });
    const second = conn.call('plain');
    expect(socket.messages().at(-1)).toEqual({ msg: 'method', method: 'plain', params: [], id: '2' });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(first.serverPromise).resolves.toBe('1234');
    expect(conn.collection('c').findOne(id)).toEqual({ _id: id, server: true });
    expect(changes).toEqual([`added:${id}`, `changed:${id}`]);
    socket.receive({ msg: 'result', id: '2', result: 2 });
    socket.receive({ msg: 'updated', methods: ['2'] });
    await expect(second).resolves.toBe(2);
  });

  it('stub ids match the server: insert ids come from the randomSeed stream', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const { RandomStream } = await import('@ddpx/protocol');
    conn.methods({
      ins() {
        return conn.collection('tasks').insert({ t: 1 });
      },
    });
    const id = await conn.apply('ins', [], { returnStubValue: true });
    const seed = socket.messages().at(-1)!.randomSeed as string;
    expect(id).toBe(new RandomStream(seed).id('/collection/tasks'));
  });

  it('stubs before the first connected keep their doc until updated (scenario 20)', async () => {
    const { conn, server } = setup();
    const socket = server.current;
    socket.accept();
    await flush();
    conn.methods({
      '/coll/insertAsync'(doc) {
        conn.collection('coll').insert(doc as Record<string, unknown>);
      },
    });
    conn.call('/coll/insertAsync', { _id: 'foo', bar: 42 });
    expect(conn.collection('coll').findOne('foo')).toEqual({ _id: 'foo', bar: 42 });
    expect(socket.messages().at(-1)).toEqual({
      msg: 'method',
      method: '/coll/insertAsync',
      params: [{ _id: 'foo', bar: 42 }],
      id: '1',
    });
    socket.receive({ msg: 'connected', session: 's' });
    expect(conn.collection('coll').size).toBe(1);
    socket.receive({ msg: 'updated', methods: ['1'] });
    expect(conn.collection('coll').size).toBe(0);
  });

  it('throwStubExceptions rejects, sends nothing and reverts; otherwise the call goes out', async () => {
    const { conn, server, logger } = setup();
    const socket = await live(conn, server);
    conn.methods({
      boom() {
        conn.collection('c').insert({ _id: 'x' });
        throw new Error('stub failed');
      },
    });
    await expect(conn.apply('boom', [], { throwStubExceptions: true })).rejects.toThrow('stub failed');
    expect(socket.messages()).toHaveLength(1);
    expect(conn.collection('c').size).toBe(0);
    const p = conn.call('boom');
    expect(socket.messages().at(-1)!.method).toBe('boom');
    expect(logger.warnings.some((w) => w.includes('simulating'))).toBe(true);
    socket.receive({
      msg: 'result',
      id: '1',
      error: { error: 403, reason: 'no', errorType: 'Meteor.Error' },
    });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(p).rejects.toMatchObject({ error: 403, reason: 'no', code: 'DDP_REMOTE_ERROR' });
    expect(conn.collection('c').size).toBe(0);
  });

  it('a call inside a stub makes no RPC; local writes outside a stub throw', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    conn.methods({
      inner: () => 'inner-value',
      outer() {
        return conn.call('inner');
      },
    });
    const v = await conn.apply('outer', [], { returnStubValue: true });
    expect(v).toBe('inner-value');
    expect(
      socket
        .messages()
        .slice(1)
        .map((m) => m.method),
    ).toEqual(['outer']);
    expect(() => conn.collection('c').insert({ a: 1 })).toThrow(TypeError);
    expect(() => conn.methods({ inner: () => 1 })).toThrow();
    expect(() => conn.methods({ bad: 1 as unknown as () => void })).toThrow(TypeError);
  });

  it('calls made while offline are sent in order after reconnect', async () => {
    const { conn, server } = setup();
    await live(conn, server);
    conn.disconnect();
    await flush();
    expect(conn.status()).toEqual({ status: 'offline', connected: false, retryCount: 0 });
    conn.call('a');
    conn.call('b');
    conn.reconnect();
    const socket = server.current;
    socket.accept();
    await flush();
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'a', 'b']);
  });

  it('reports reload readiness', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    expect(conn.isReadyToReload()).toBe(true);
    conn.call('m');
    expect(conn.isReadyToReload()).toBe(false);
    let ready = 0;
    conn.onReadyToReload(() => ready++);
    socket.receive({ msg: 'result', id: '1' });
    expect(ready).toBe(0);
    socket.receive({ msg: 'updated', methods: ['1'] });
    expect(ready).toBe(1);
    expect(conn.isReadyToReload()).toBe(true);
  });

  it('close() fails outstanding calls with DDP_CONNECTION_CLOSED', async () => {
    const { conn, server } = setup();
    await live(conn, server);
    const p = conn.call('m');
    conn.close();
    await expect(p).rejects.toMatchObject({ code: 'DDP_CONNECTION_CLOSED' });
    expect(conn.status()).toEqual({ status: 'failed', connected: false, retryCount: 0 });
    expect(server.current.messages().at(-1)).toEqual({ msg: 'disconnect' });
  });

  it('a call without a stub: params sent as given, result then updated settle it; stubPromise is undefined', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const args = [1, { a: 2 }];
    const call = conn.apply('plain', args);
    args.push(3); // the frame was encoded at the call
    expect(socket.messages().at(-1)).toEqual({
      msg: 'method',
      method: 'plain',
      params: [1, { a: 2 }],
      id: '1',
    });
    expect(call.serverPromise).toBe(call);
    await expect(call.stubPromise).resolves.toBeUndefined();
    let settled = false;
    call.then(() => {
      settled = true;
    });
    socket.receive({ msg: 'result', id: '1', result: 'r' });
    await flush();
    expect(settled).toBe(false); // waits for its updated
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(call).resolves.toBe('r');
    socket.receive({ msg: 'updated', methods: ['1'] }); // a duplicate is counted, not applied twice
    expect(conn.stats().badInput).toEqual({ 'duplicate-method-message': 1 });
  });

  it('arguments that cannot be encoded reject the call and send nothing', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const before = socket.messages().length;
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(conn.call('bad', cyclic)).rejects.toBeInstanceOf(Error);
    expect(socket.messages()).toHaveLength(before);
  });
});
