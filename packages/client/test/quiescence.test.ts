import { describe, expect, it } from 'vitest';
import { flush, live, open, setup } from './helpers.js';

async function reset(ctx: ReturnType<typeof setup>) {
  ctx.server.current.drop();
  await flush();
  ctx.clock.increment(10);
  await flush();
  return open(ctx.server);
}

describe('quiescence with stubs and hooks (§9 scenarios 14, 19, 21)', () => {
  it('scenario 14: result-only method + onReconnect call; reset applied at the hook method updated', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, '17');
    conn.methods({
      w2() {
        conn.collection('c').insert({ _id: 'X', foo: 'stub' });
      },
    });
    const w2 = conn.call('w2');
    socket.receive({ msg: 'result', id: '1', result: 'blab' });
    conn.onReconnect = () => {
      conn.call('slowMethod');
    };
    socket = await reset(ctx);
    expect(socket.messages().slice(1)).toEqual([
      { msg: 'method', method: 'slowMethod', params: [], id: '2' },
    ]);
    let w2done = false;
    w2.then(() => {
      w2done = true;
    });
    socket.receive({ msg: 'connected', session: '18' });
    await flush();
    expect(conn.collection('c').findOne('X')).toBeDefined();
    expect(w2done).toBe(false);
    socket.receive({ msg: 'added', collection: 'c', id: 'X2', fields: { foo: 'bar' } });
    expect(conn.collection('c').findOne('X2')).toBeUndefined();
    socket.receive({ msg: 'updated', methods: ['2'] });
    await flush();
    expect(conn.collection('c').find()).toEqual([{ _id: 'X2', foo: 'bar' }]);
    expect(w2done).toBe(true);
    await expect(w2).resolves.toBe('blab');
    const slow = conn.collection('c'); // keep reference
    void slow;
    socket.receive({ msg: 'result', id: '2', result: 'slow' });
  });

  it('scenario 19: double wait does not leave a stuck empty block', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, '17');
    const done: string[] = [];
    conn.apply('halfway', [], { wait: true }).then((r) => done.push(r as string));
    socket.receive({ msg: 'result', id: '1', result: 'halfway' });
    conn.onReconnect = () => {
      conn.apply('reconnectMethod', [], { wait: true }).then((r) => done.push(r as string));
    };
    socket = await reset(ctx);
    expect(socket.messages().map((m) => m.method ?? m.msg)).toEqual(['connect', 'reconnectMethod']);
    socket.receive({ msg: 'connected', session: '18' });
    await flush();
    expect(done).toEqual([]);
    socket.receive({ msg: 'updated', methods: ['2'] });
    await flush();
    expect(done).toEqual(['halfway']);
    socket.receive({ msg: 'result', id: '2', result: 'reconnect' });
    await flush();
    expect(done).toEqual(['halfway', 'reconnect']);
    conn.onReconnect = undefined;
    conn.call('lastMethod');
    expect(socket.messages().at(-1)).toMatchObject({ method: 'lastMethod', id: '3' });
  });

  it('scenario 21: a stub write between reset and quiescence survives the reset', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, '17');
    const sub = conn.subscribe('s');
    socket.receive({ msg: 'added', collection: 'c', id: 'aaa', fields: { value: 111 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    conn.methods({
      set(v) {
        conn.collection('c').update('aaa', { $set: { value: v } });
      },
    });
    socket = await reset(ctx);
    socket.receive({ msg: 'connected', session: '18' });
    const p = conn.call('set', 222);
    expect(conn.collection('c').findOne('aaa')).toEqual({ _id: 'aaa', value: 222 });
    socket.receive({ msg: 'added', collection: 'c', id: 'aaa', fields: { value: 111 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    await flush();
    expect(conn.collection('c').findOne('aaa')).toEqual({ _id: 'aaa', value: 222 });
    socket.receive({ msg: 'changed', collection: 'c', id: 'aaa', fields: { value: 333 } });
    const id = socket.messages().find((m) => m.method === 'set')!.id as string;
    socket.receive({ msg: 'updated', methods: [id] });
    socket.receive({ msg: 'result', id });
    await p;
    expect(conn.collection('c').findOne('aaa')).toEqual({ _id: 'aaa', value: 333 });
  });

  it('subscribe then stop at once sends sub then unsub (scenario 24)', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const h = conn.subscribe('x');
    h.stop();
    expect(socket.messages().slice(1)).toEqual([
      { msg: 'sub', id: h.id, name: 'x', params: [] },
      { msg: 'unsub', id: h.id },
    ]);
  });
});
