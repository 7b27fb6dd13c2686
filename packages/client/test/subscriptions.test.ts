import { describe, expect, it } from 'vitest';
import { flush, live, open, setup } from './helpers.js';

describe('subscriptions (§9 scenarios 22–23)', () => {
  it('sub lifecycle: sub, ready → onReady, stop → unsub + onStop(), new id on resubscribe', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const events: string[] = [];
    const h = conn.subscribe('my_data', {
      onReady: () => events.push('ready'),
      onStop: (e?: unknown) => events.push(`stop:${e}`),
    });
    expect(socket.messages().at(-1)).toEqual({ msg: 'sub', id: h.id, name: 'my_data', params: [] });
    expect(h.id).toMatch(/^[23456789A-Za-z]{17}$/);
    const ready = h.whenReady();
    socket.receive({ msg: 'ready', subs: [h.id] });
    await ready;
    expect(h.ready()).toBe(true);
    h.stop();
    expect(events).toEqual(['ready', 'stop:undefined']);
    expect(h.ready()).toBe(false);
    expect(socket.messages().at(-1)).toEqual({ msg: 'unsub', id: h.id });
    const again = conn.subscribe('my_data');
    expect(again.id).not.toBe(h.id);
  });

  it('nosub with an error calls onStop(err), rejects whenReady, and is not re-sent (scenario 22)', async () => {
    const ctx = setup();
    const socket = await live(ctx.conn, ctx.server);
    let stopped: unknown;
    const h = ctx.conn.subscribe('unknownSub', 1, 'a', { onStop: (e?: unknown) => (stopped = e) });
    expect(socket.messages().at(-1)).toMatchObject({ params: [1, 'a'] });
    const ready = h.whenReady();
    socket.receive({
      msg: 'nosub',
      id: h.id,
      error: { error: 404, reason: 'Subscription not found', errorType: 'Meteor.Error' },
    });
    await expect(ready).rejects.toMatchObject({ error: 404 });
    expect(stopped).toMatchObject({ error: 404, reason: 'Subscription not found' });
    ctx.server.current.drop();
    await flush();
    ctx.clock.increment(10);
    const next = await open(ctx.server);
    expect(next.messages().map((m) => m.msg)).toEqual(['connect']);
  });

  it('nosub without error calls onStop() with nothing', async () => {
    const { conn, server } = setup();
    const socket = await live(conn, server);
    const calls: unknown[] = [];
    const h = conn.subscribe('s', { onStop: (e?: unknown) => calls.push(e) });
    socket.receive({ msg: 'nosub', id: h.id });
    expect(calls).toEqual([undefined]);
  });

  it('live subscriptions are re-sent with the same ids; a stop while offline is sent on reconnect', async () => {
    const ctx = setup();
    const socket = await live(ctx.conn, ctx.server);
    const a = ctx.conn.subscribe('a');
    const b = ctx.conn.subscribe('b', 1);
    void socket;
    ctx.conn.disconnect();
    b.stop();
    ctx.conn.reconnect();
    const next = await open(ctx.server);
    expect(next.messages().slice(1)).toEqual([
      { msg: 'sub', id: a.id, name: 'a', params: [] },
      { msg: 'unsub', id: b.id },
    ]);
  });
});
