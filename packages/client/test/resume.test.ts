import { describe, expect, it } from 'vitest';
import type { ResumeResult } from '../src/index.js';
import { flush, live, open, setup, V } from './helpers.js';

async function dropAndReopen(ctx: ReturnType<typeof setup>) {
  ctx.server.current.drop();
  await flush();
  ctx.clock.increment(10);
  await flush();
  return open(ctx.server);
}

describe('session resumption, client half (Meteor 3.5 wire)', () => {
  it('counts received messages except ping/pong and offers session + receivedCount', async () => {
    const ctx = setup();
    const socket = await live(ctx.conn, ctx.server, 'S'); // connected = 1
    socket.receive({ msg: 'ping' });
    socket.receive({ msg: 'pong' });
    socket.receive({ msg: 'added', collection: 'c', id: 'a' }); // 2
    socket.receive({ msg: 'error', reason: 'x' }); // 3 (has msg)
    socket.receive({ server_id: '0' }); // no msg: not counted
    expect(ctx.conn.stats().receivedCount).toBe(3);
    const next = await dropAndReopen(ctx);
    expect(next.messages()[0]).toEqual({ msg: 'connect', session: 'S', receivedCount: 3, ...V });
  });

  it('a resumed session keeps stores, subscriptions and in-flight calls: no reset, no flicker, no onReady, no failure', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, 'S');
    let readyCalls = 0;
    const sub = conn.subscribe('feed', { onReady: () => readyCalls++ });
    socket.receive({ msg: 'added', collection: 'feed', id: 'a', fields: { v: 1 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    const plain = conn.call('slow');
    const once = conn.apply('charge', [], { noRetry: true });
    const changes: unknown[] = [];
    conn.collection('feed').onChange((c) => changes.push(c));
    const outcomes: ResumeResult[] = [];
    conn.onResume((r) => outcomes.push(r));

    socket = await dropAndReopen(ctx);
    const sent = socket.messages();
    expect(sent[0]).toMatchObject({ msg: 'connect', session: 'S', receivedCount: 3 });
    // the plain call is re-sent with the same id (the ddpx server dedupes); the noRetry one is not
    expect(sent.slice(1)).toEqual([
      { msg: 'method', method: 'slow', params: [], id: '1' },
      { msg: 'sub', id: sub.id, name: 'feed', params: [] },
    ]);
    socket.receive({ msg: 'connected', session: 'S' });
    await flush();
    expect(conn.lastResume).toMatchObject({
      outcome: 'resumed',
      reason: 'resumed',
      session: 'S',
      offered: 'S',
      receivedCount: 3,
    });
    expect(outcomes).toHaveLength(1);
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'resumed' } } })).toBe(true);
    // live data flows at once (no quiescence buffering), nothing was reset
    socket.receive({ msg: 'changed', collection: 'feed', id: 'a', fields: { v: 2 } });
    expect(conn.collection('feed').findOne('a')).toEqual({ _id: 'a', v: 2 });
    expect(changes).toHaveLength(1);
    expect(readyCalls).toBe(1);
    expect(sub.ready()).toBe(true);
    // the server replays what was missed: both results arrive, neither call failed
    socket.receive({ msg: 'result', id: '2', result: 'charged' });
    socket.receive({ msg: 'updated', methods: ['2'] });
    socket.receive({ msg: 'result', id: '1', result: 'done' });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(once).resolves.toBe('charged');
    await expect(plain).resolves.toBe('done');
    expect(conn.stats().receivedCount).toBe(3 + 1 + 5);
    // the dedupe replay of the re-sent id may repeat its result: counted, not logged, not thrown
    socket.receive({ msg: 'result', id: '1', result: 'done' });
    socket.receive({ msg: 'updated', methods: ['1'] });
    expect(conn.stats().badInput).toEqual({ 'duplicate-method-message': 2 });
  });

  it('a new session recovers normally: count reset to 1, noRetry fails, stores reset at quiescence', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, 'S');
    socket.receive({ msg: 'added', collection: 'c', id: 'old' });
    const once = conn.apply('charge', [], { noRetry: true });
    once.catch(() => {});
    socket = await dropAndReopen(ctx);
    socket.receive({ msg: 'connected', session: 'T' });
    await expect(once).rejects.toMatchObject({ error: 'invocation-failed' });
    expect(conn.lastResume).toMatchObject({ outcome: 'new-session', reason: 'new-session', offered: 'S' });
    expect(conn.stats().receivedCount).toBe(1);
    expect(conn.collection('c').size).toBe(0);
  });

  it('passes on the server-given reason and honours resume: false', async () => {
    const ctx = setup();
    let socket = await live(ctx.conn, ctx.server, 'S');
    socket = await dropAndReopen(ctx);
    socket.receive({ msg: 'connected', session: 'T', resumeReason: 'grace-expired' });
    expect(ctx.conn.lastResume).toMatchObject({ outcome: 'new-session', reason: 'grace-expired' });

    const off = setup({ resume: false });
    await live(off.conn, off.server, 'S');
    const s2 = await dropAndReopen(off);
    expect(s2.messages()[0]).toEqual({ msg: 'connect', ...V });
    s2.receive({ msg: 'connected', session: 'T' });
    expect(off.conn.lastResume).toMatchObject({ outcome: 'new-session', reason: 'not-requested' });
  });

  it('a drop while quiescing, then a resume of that session: still quiescing until the reset applies', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, 'S');
    const sub = conn.subscribe('feed');
    socket.receive({ msg: 'added', collection: 'feed', id: 'old', fields: {} });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    socket = await dropAndReopen(ctx);
    socket.receive({ msg: 'connected', session: 'T', resumeReason: 'grace-expired' });
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'quiescing' } } })).toBe(true);
    socket.receive({ msg: 'added', collection: 'feed', id: 'new', fields: {} }); // held until ready
    expect(conn.collection('feed').findOne('old')).toBeDefined();

    socket = await dropAndReopen(ctx);
    expect(socket.messages()[0]).toMatchObject({ msg: 'connect', session: 'T', receivedCount: 2 });
    socket.receive({ msg: 'connected', session: 'T', resumeReason: 'resumed' });
    expect(conn.lastResume).toMatchObject({ outcome: 'resumed', reason: 'resumed' });
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'quiescing' } } })).toBe(true);
    expect(conn.collection('feed').findOne('old')).toBeDefined(); // the reset has not run yet

    socket.receive({ msg: 'ready', subs: [sub.id] });
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } })).toBe(true);
    expect(
      conn
        .collection('feed')
        .find()
        .map((d) => d._id),
    ).toEqual(['new']);
    expect(conn.actor.getSnapshot().context.quiescencePending).toBe(false);
  });

  it('the first session restarts the received count at its connected (sessionStarted)', async () => {
    const ctx = setup();
    const socket = await open(ctx.server);
    socket.receive({ msg: 'error', reason: 'before connected' }); // counted, then forgotten
    expect(ctx.conn.stats().receivedCount).toBe(1);
    socket.receive({ msg: 'connected', session: 'S' });
    expect(ctx.conn.lastResume).toMatchObject({ outcome: 'first-session' });
    expect(ctx.conn.stats().receivedCount).toBe(1);
    socket.receive({ msg: 'added', collection: 'c', id: 'a' });
    expect(ctx.conn.stats().receivedCount).toBe(2);
  });

  it('resumeSession offers a saved session on the first connect', async () => {
    const ctx = setup({ resumeSession: 'saved' });
    const socket = await open(ctx.server);
    expect(socket.messages()[0]).toEqual({ msg: 'connect', session: 'saved', receivedCount: 0, ...V });
  });

  it('sends the goodbye on disconnect() and close()', async () => {
    const ctx = setup();
    const socket = await live(ctx.conn, ctx.server, 'S');
    ctx.conn.disconnect();
    expect(socket.messages().at(-1)).toEqual({ msg: 'disconnect' });
    await flush();
    expect(socket.state).toBe('closed');
  });
});
