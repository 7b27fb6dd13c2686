import { describe, expect, it } from 'vitest';
import { flush, live, open, setup, V } from './helpers.js';

describe('smoke', () => {
  it('connects and calls a method', async () => {
    const { server, conn } = setup();
    expect(conn.status()).toEqual({ status: 'connecting', connected: false, retryCount: 0 });
    const socket = await open(server);
    expect(conn.status().status).toBe('connected');
    expect(socket.messages()).toEqual([{ msg: 'connect', ...V }]);
    socket.receive({ msg: 'connected', session: '17' });
    const p = conn.call('add', 1, 2);
    expect(socket.messages()[1]).toEqual({ msg: 'method', method: 'add', params: [1, 2], id: '1' });
    socket.receive({ msg: 'result', id: '1', result: 3 });
    socket.receive({ msg: 'updated', methods: ['1'] });
    await expect(p).resolves.toBe(3);
    expect(conn.sessionId).toBe('17');
    void live;
    await flush();
  });
});
