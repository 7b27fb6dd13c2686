import { afterEach, describe, expect, it } from 'vitest';
import type { PublicationContext } from '../src/index.js';
import { framed } from '../src/websocketEndpoint.js';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

// One change published to many sessions is encoded and framed once and the bytes reused: every client
// must still get exactly its own visible change.
async function subscribers(count: number) {
  const subs: PublicationContext[] = [];
  const { wsUrl } = await start(undefined, (s) =>
    s.publish('feed', function () {
      subs.push(this);
      this.added('feed', 'doc', { v: 0 });
      this.ready();
    }),
  );
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await c.next((m) => m.msg === 'ready');
    clients.push(c);
  }
  return { subs, clients };
}

const changes = (c: RawClient) => c.messages.filter((m) => m.msg === 'changed').map((m) => m.fields);

describe('fan-out: one change to many sessions', () => {
  it('every session gets the change, small, 126–65,535 and ≥ 65,536 bytes, over real sockets', async () => {
    const { subs, clients } = await subscribers(3);
    const sizes = [5, 300, 70_000];
    // In one tick (the first frame of each socket written at once, the rest at the end of the tick),
    // then one size per tick.
    for (const n of sizes) {
      const fields = { v: n, s: 'é'.repeat(n) };
      for (const sub of subs) sub.changed('feed', 'doc', fields);
    }
    for (const n of sizes) {
      const fields = { v: n + 1, s: 'è'.repeat(n) };
      for (const sub of subs) sub.changed('feed', 'doc', fields);
      await new Promise((r) => setImmediate(r));
    }
    for (const c of clients) {
      await c.next(() => changes(c).length === 6);
      expect(changes(c)).toEqual([
        ...sizes.map((n) => ({ v: n, s: 'é'.repeat(n) })),
        ...sizes.map((n) => ({ v: n + 1, s: 'è'.repeat(n) })),
      ]);
    }
  });

  it('a fields object changed between two sessions is not served from the first encoding', async () => {
    const { subs, clients } = await subscribers(2);
    const fields = { v: 1 };
    subs[0]!.changed('feed', 'doc', fields);
    fields.v = 2;
    subs[1]!.changed('feed', 'doc', fields);
    await clients[0]!.next((m) => m.msg === 'changed');
    await clients[1]!.next((m) => m.msg === 'changed');
    expect(changes(clients[0]!)).toEqual([{ v: 1 }]);
    expect(changes(clients[1]!)).toEqual([{ v: 2 }]);
  });

  it('a session whose merge box hides part of the change gets only its visible part', async () => {
    const { subs, clients } = await subscribers(2);
    // Session 0 already shows v: 5, so the same change is only `w` there.
    subs[0]!.changed('feed', 'doc', { v: 5 });
    await clients[0]!.next((m) => m.msg === 'changed');
    for (const sub of subs) sub.changed('feed', 'doc', { v: 5, w: true });
    await clients[0]!.next((m) => m.msg === 'changed' && (m.fields as { w?: boolean }).w === true);
    await clients[1]!.next((m) => m.msg === 'changed');
    expect(changes(clients[0]!)).toEqual([{ v: 5 }, { w: true }]);
    expect(changes(clients[1]!)).toEqual([{ v: 5, w: true }]);
  });

  it('framed(): RFC 6455 text frames with 7-bit, 16-bit and 64-bit lengths', () => {
    expect([...framed('hi')]).toEqual([0x81, 2, 0x68, 0x69]);
    const mid = framed('x'.repeat(300));
    expect([mid[0], mid[1], mid.readUInt16BE(2), mid.length]).toEqual([0x81, 126, 300, 304]);
    const big = framed('x'.repeat(70_000));
    expect([big[0], big[1], Number(big.readBigUInt64BE(2)), big.length]).toEqual([0x81, 127, 70_000, 70_010]);
  });
});
