import { describe, expect, it } from 'vitest';
import type { CollectionChange } from '../src/index.js';
import { flush, live, open, setup } from './helpers.js';

async function dropAndReopen(ctx: ReturnType<typeof setup>) {
  ctx.server.current.drop();
  await flush();
  ctx.clock.increment(10);
  await flush();
  return open(ctx.server);
}

describe('a session rebuilt on another server process (connected with the same id, resumeReason rebuilt)', () => {
  it('keeps the id, buffers until the re-run subscriptions are ready, then applies only the difference', async () => {
    const ctx = setup();
    const { conn } = ctx;
    let socket = await live(conn, ctx.server, 'S');
    const sub = conn.subscribe('feed');
    socket.receive({ msg: 'added', collection: 'feed', id: 'stays', fields: { v: 1 } });
    socket.receive({ msg: 'added', collection: 'feed', id: 'edited', fields: { v: 1 } });
    socket.receive({ msg: 'added', collection: 'feed', id: 'gone', fields: { v: 1 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    const plain = conn.call('work');
    const once = conn.apply('charge', [], { noRetry: true });
    once.catch(() => {});
    const changes: CollectionChange[] = [];
    conn.collection('feed').onChange((c) => changes.push(...c));

    socket = await dropAndReopen(ctx);
    // what any resume sends: the plain call with its id (the store answers it), then the subscription
    expect(socket.messages().slice(1)).toEqual([
      { msg: 'method', method: 'work', params: [], id: '1' },
      { msg: 'sub', id: sub.id, name: 'feed', params: [] },
    ]);
    socket.receive({ msg: 'connected', session: 'S', resumeReason: 'rebuilt' });
    await flush();
    expect(conn.lastResume).toMatchObject({ outcome: 'resumed', reason: 'rebuilt', session: 'S' });
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'quiescing' } } })).toBe(true);
    // the re-run publication sends its documents again: held until ready and the call's `updated`
    socket.receive({ msg: 'added', collection: 'feed', id: 'stays', fields: { v: 1 } });
    socket.receive({ msg: 'added', collection: 'feed', id: 'edited', fields: { v: 2 } });
    socket.receive({ msg: 'added', collection: 'feed', id: 'new', fields: { v: 1 } });
    socket.receive({ msg: 'ready', subs: [sub.id] });
    socket.receive({ msg: 'result', id: '1', result: 'ok' });
    expect(changes).toEqual([]);
    expect(conn.collection('feed').findOne('gone')).toBeDefined();
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(plain).resolves.toBe('ok');
    // the noRetry call may or may not have run: Meteor's invocation-failed, once the data is visible
    await expect(once).rejects.toMatchObject({ error: 'invocation-failed' });
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } })).toBe(true);
    // net changes only: nothing removed and added again
    expect(changes.map((c) => `${c.type}:${c.id}`).sort()).toEqual([
      'added:new',
      'changed:edited',
      'removed:gone',
    ]);
    expect(
      conn
        .collection('feed')
        .find()
        .map((d) => d._id),
    ).toEqual(['stays', 'edited', 'new']);
    expect(conn.stats().receivedCount).toBe(1 + 6);
    expect(conn.sessionId).toBe('S');
  });
});
