import { describe, expect, it } from 'vitest';
import { DDP, Meteor } from '../src/index.js';
import { flush, live, setup } from './helpers.js';

describe('Meteor facade and DDP namespace', () => {
  it('proxies to Meteor.connection', async () => {
    const { conn, server } = setup();
    Meteor.connection = conn;
    const socket = await live(conn, server);
    expect(Meteor.status()).toBe(conn.status());
    Meteor.methods({ local: () => 'stub' });
    const p = Meteor.callAsync('add', 1, 2);
    const viaApply = Meteor.apply('local', [], { returnStubValue: true });
    await expect(viaApply).resolves.toBe('stub');
    let cbResult: unknown;
    Meteor.call('cb', 5, (_err: unknown, res: unknown) => {
      cbResult = res;
    });
    const h = Meteor.subscribe('feed', 1);
    expect(
      socket
        .messages()
        .slice(1)
        .map((m) => m.method ?? m.msg),
    ).toEqual(['add', 'local', 'cb', 'sub']);
    for (const id of ['1', '2', '3']) {
      socket.receive({ msg: 'result', id, result: Number(id) * 10 });
      socket.receive({ msg: 'updated', methods: [id] });
    }
    await expect(p).resolves.toBe(10);
    await flush();
    expect(cbResult).toBe(30);
    expect(h.ready()).toBe(false);
    Meteor.disconnect();
    expect(Meteor.status().status).toBe('offline');
    Meteor.reconnect();
    expect(Meteor.status().status).toBe('connecting');
  });

  it('DDP.onReconnect returns a stop handle; DDP.connect is connect', async () => {
    expect(typeof DDP.connect).toBe('function');
    const { conn, server } = setup();
    let calls = 0;
    const handle = DDP.onReconnect((c) => {
      expect(c).toBe(conn);
      calls++;
    });
    await live(conn, server);
    expect(calls).toBe(1);
    handle.stop();
    expect(() => DDP.onReconnect(1 as unknown as () => void)).toThrow(TypeError);
  });
});
