import { describe, expect, it } from 'vitest';
import { type CollectionChange, DDP } from '../src/index.js';
import { flush, live, open, setup, V } from './helpers.js';

/** Drops the socket and lets the 10 ms retry open a new one (not yet accepted). */
async function drop(ctx: ReturnType<typeof setup>) {
  ctx.server.current.drop();
  await flush();
  expect(ctx.conn.status().status).toBe('waiting');
  ctx.clock.increment(10);
  await flush();
  expect(ctx.conn.status().status).toBe('connecting');
}

describe('reconnect replay (§9 scenario 11)', () => {
  it('re-sends in-flight methods and subs with the same ids, buffers until quiescence', async () => {
    const ctx = setup();
    const { server, conn } = ctx;
    let socket = await live(conn, server, '17');
    let readyCount = 0;
    const sub = conn.subscribe('my_data', { onReady: () => readyCount++ });
    const subMsg = socket.messages().at(-1);
    expect(subMsg).toEqual({ msg: 'sub', id: sub.id, name: 'my_data', params: [] });
    const coll = conn.collection('c');
    socket.receive({ msg: 'added', collection: 'c', id: '1234', fields: { a: 1 } });
    socket.receive({ msg: 'changed', collection: 'c', id: '1234', fields: { b: 2 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    expect(readyCount).toBe(1);
    expect(sub.ready()).toBe(true);

    const results: string[] = [];
    conn.call('do_something').then((r) => results.push(`1:${r}`));
    const m1 = socket.messages().at(-1);
    expect(m1).toEqual({ msg: 'method', method: 'do_something', params: [], id: '1' });
    conn.apply('do_something_else', [], { wait: true }).then((r) => results.push(`2:${r}`));
    conn.apply('do_something_later', []).then((r) => results.push(`3:${r}`));
    expect(socket.messages()).toHaveLength(3); // connect, sub, M1
    socket.receive({ msg: 'changed', collection: 'c', id: '1234', fields: { c: 3 } });
    expect(coll.findOne('1234')).toEqual({ _id: '1234', a: 1, b: 2, c: 3 });

    await drop(ctx);
    socket = await open(server);
    expect(socket.messages()).toEqual([
      { msg: 'connect', session: '17', receivedCount: 5, ...V },
      m1,
      subMsg,
    ]);
    const changes: CollectionChange[][] = [];
    coll.onChange((c) => changes.push([...c]));
    socket.receive({ msg: 'connected', session: '171' });
    socket.receive({ msg: 'added', collection: 'c', id: '1234', fields: { a: 1, b: 2, c: 3, d: 4 } });
    socket.receive({ msg: 'added', collection: 'c', id: '2345', fields: { e: 5 } });
    expect(coll.find()).toEqual([{ _id: '1234', a: 1, b: 2, c: 3 }]);
    socket.receive({ msg: 'updated', methods: ['1'] });
    socket.receive({ msg: 'result', id: '1', result: 'one' });
    await flush();
    expect(results).toEqual([]);
    expect(socket.messages()).toHaveLength(3);
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'quiescing' } } })).toBe(true);

    socket.receive({ msg: 'ready', subs: [sub.id] });
    await flush();
    expect(coll.findOne('1234')).toEqual({ _id: '1234', a: 1, b: 2, c: 3, d: 4 });
    expect(coll.findOne('2345')).toEqual({ _id: '2345', e: 5 });
    expect(changes).toHaveLength(1);
    expect(changes[0]!.map((c) => `${c.type}:${c.id}`).sort()).toEqual(['added:2345', 'changed:1234']);
    expect(results).toEqual(['1:one']);
    expect(readyCount).toBe(1);
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } })).toBe(true);
    expect(socket.messages().slice(3)).toEqual([
      { msg: 'method', method: 'do_something_else', params: [], id: '2' },
    ]);

    socket.receive({ msg: 'result', id: '2', result: 'two' });
    await flush();
    expect(socket.messages()).toHaveLength(4);
    socket.receive({ msg: 'updated', methods: ['2'] });
    await flush();
    expect(socket.messages().slice(4)).toEqual([
      { msg: 'method', method: 'do_something_later', params: [], id: '3' },
    ]);
    expect(results).toEqual(['1:one', '2:two']);
  });
});

describe('noRetry (§9 scenario 12)', () => {
  it('fails sent noRetry calls with invocation-failed on a new session and re-sends nothing', async () => {
    const ctx = setup();
    let socket = await live(ctx.conn, ctx.server, '17');
    const a = ctx.conn.apply('x', [], { noRetry: true });
    const b = ctx.conn.apply('y', [], { noRetry: true });
    a.catch(() => {});
    b.catch(() => {});
    expect(socket.messages()).toHaveLength(3);
    await drop(ctx);
    socket = await open(ctx.server);
    expect(socket.messages()).toEqual([{ msg: 'connect', session: '17', receivedCount: 1, ...V }]);
    socket.receive({ msg: 'connected', session: '171' });
    await expect(a).rejects.toMatchObject({ error: 'invocation-failed', code: 'DDP_INVOCATION_FAILED' });
    await expect(b).rejects.toMatchObject({ error: 'invocation-failed' });
    expect(socket.messages()).toHaveLength(1);
  });

  it('with resume: false, fails them at once on reconnect (Meteor)', async () => {
    const ctx = setup({ resume: false });
    await live(ctx.conn, ctx.server, '17');
    const a = ctx.conn.apply('x', [], { noRetry: true });
    let failed = false;
    a.catch(() => {
      failed = true;
    });
    await drop(ctx);
    const socket = await open(ctx.server);
    expect(socket.messages()).toEqual([{ msg: 'connect', ...V }]);
    await flush();
    expect(failed).toBe(false); // callback waits for data visibility (quiescence)
    socket.receive({ msg: 'connected', session: '171' });
    await flush();
    expect(failed).toBe(true);
  });
});

describe('result received, data not (§9 scenario 13)', () => {
  it('does not re-send; store resets and the callback fires on the new session', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    let socket = await live(conn, server, '17');
    conn.methods({
      insertX(this: unknown) {
        conn.collection('c').insert({ baz: 1 });
      },
    });
    const seen: unknown[] = [];
    const p = conn.apply('insertX', [], { onResultReceived: (_e, r) => seen.push(r) });
    const sent = socket.messages().at(-1) as { randomSeed?: string };
    expect(typeof sent.randomSeed).toBe('string');
    const id = conn.collection('c').find()[0]!._id;
    socket.receive({ msg: 'added', collection: 'c', id, fields: { baz: 42 } });
    expect(conn.collection('c').findOne(id)).toEqual({ _id: id, baz: 1 }); // hidden: stub doc
    socket.receive({ msg: 'result', id: '1', result: 'bla' });
    expect(seen).toEqual(['bla']);
    await drop(ctx);
    socket = await open(server);
    expect(socket.messages()).toHaveLength(1);
    const removed: string[] = [];
    conn.collection('c').onChange((cs) => {
      for (const c of cs) removed.push(`${c.type}:${c.id}`);
    });
    socket.receive({ msg: 'connected', session: '171' });
    await expect(p).resolves.toBe('bla');
    expect(removed).toEqual([`removed:${id}`]);
    socket.receive({ msg: 'added', collection: 'c', id, fields: { baz: 42 } });
    expect(conn.collection('c').findOne(id)).toEqual({ _id: id, baz: 42 });
  });
});

describe('data received, result not (§9 scenario 15)', () => {
  it('re-sends with the same id and resets the store only after the new updated', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    let socket = await live(conn, server, '17');
    const results: unknown[] = [];
    const p = conn.apply('m', [], { onResultReceived: (_e, r) => results.push(r) });
    const sent = socket.messages().at(-1);
    socket.receive({ msg: 'added', collection: 'photos', id: 'p', fields: { x: 1 } });
    socket.receive({ msg: 'updated', methods: ['1'] });
    expect(conn.collection('photos').size).toBe(1);
    await drop(ctx);
    socket = await open(server);
    expect(socket.messages()[1]).toEqual(sent);
    socket.receive({ msg: 'connected', session: '171' });
    expect(conn.collection('photos').size).toBe(1);
    socket.receive({ msg: 'result', id: '1', result: 'res' });
    expect(results).toEqual(['res']);
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(p).resolves.toBe('res');
    expect(conn.collection('photos').size).toBe(0);
  });
});

describe('onReconnect ordering (§9 scenarios 16–18)', () => {
  for (const how of ['property', 'DDP.onReconnect'] as const) {
    it(`onReconnect with a wait block (${how})`, async () => {
      const ctx = setup();
      const { conn, server } = ctx;
      let socket = await live(conn, server, '17');
      conn.call('one');
      conn.apply('two', [], { wait: true });
      conn.call('three');
      let armed = false;
      const hook = () => {
        if (!armed) return;
        conn.call('z0');
        conn.call('r1');
        conn.apply('r2', [], { wait: true });
        conn.call('r3');
      };
      const handle = how === 'property' ? undefined : DDP.onReconnect(hook);
      if (how === 'property') conn.onReconnect = hook;
      armed = true;
      try {
        await drop(ctx);
        socket = await open(server);
        const names = socket.messages().map((m) => m.method ?? m.msg);
        expect(names).toEqual(['connect', 'z0', 'r1']);
      } finally {
        handle?.stop();
      }
    });
  }

  it('no hook registered: the replay follows connect in the same step, without a hooks actor', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    await live(conn, server, '17');
    conn.call('one');
    await drop(ctx);
    const socket = server.current;
    socket.accept(); // delivers `open` synchronously; nothing awaited after it
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'one']);
    expect(conn.actor.getSnapshot().children.reconnectHooks).toBeUndefined();
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { replay: 'done' } } })).toBe(true);
  });

  it('a hook registered now is asked for on the next open, and runs before older methods', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    await live(conn, server, '17');
    conn.call('one');
    const handle = DDP.onReconnect(() => void conn.call('hooked'));
    try {
      await drop(ctx);
      const socket = server.current;
      socket.accept();
      expect(conn.actor.getSnapshot().matches({ linked: { connected: { replay: 'runningHooks' } } })).toBe(
        true,
      );
      await flush();
      expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'hooked', 'one']);
    } finally {
      handle.stop();
    }
  });

  it('onReconnect without a wait merges the first old block', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    let socket = await live(conn, server, '17');
    conn.call('one');
    conn.apply('two', [], { wait: true });
    conn.apply('three', [], { wait: true });
    conn.call('four');
    conn.onReconnect = () => {
      conn.call('r1');
      conn.call('r2');
      conn.call('r3');
    };
    await drop(ctx);
    socket = await open(server);
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'r1', 'r2', 'r3', 'one']);
  });

  it('login-style wait hook holds older methods until its updated; async hooks are awaited', async () => {
    const ctx = setup();
    const { conn, server } = ctx;
    let socket = await live(conn, server, '17');
    conn.call('one');
    let release!: () => void;
    conn.onReconnect = () => {
      conn.apply('login', [], { wait: true });
      return new Promise<void>((r) => {
        release = r;
      });
    };
    await drop(ctx);
    socket = await open(server);
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'login']);
    release();
    await flush();
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'login']);
    socket.receive({ msg: 'connected', session: '171' });
    socket.receive({ msg: 'result', id: '2', result: true });
    await flush();
    expect(socket.messages()).toHaveLength(2);
    socket.receive({ msg: 'updated', methods: ['2'] });
    await flush();
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'login', 'one']);
  });
});
