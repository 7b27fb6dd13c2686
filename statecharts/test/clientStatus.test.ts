import { describe, expect, it } from 'vitest';
import { startClient, T0 } from './helpers.js';

const connecting = (retryCount = 0) => ({ status: 'connecting', connected: false, retryCount });
const connected = { status: 'connected', connected: true, retryCount: 0 };
const offline = { status: 'offline', connected: false, retryCount: 0 };

describe('client status object (ddp-behaviour §2.1)', () => {
  it('starts connecting with retryCount 0 and opens the transport', () => {
    const c = startClient();
    expect(c.status()).toEqual(connecting(0));
    expect(c.log).toEqual(['transport:open']);
  });

  it('autoConnect: false starts offline without opening a transport', () => {
    const c = startClient({ autoConnect: false });
    expect(c.status()).toEqual(offline);
    expect(c.log).toEqual([]);
    c.actor.send({ type: 'RECONNECT' });
    expect(c.status()).toEqual(connecting(0));
  });

  it('transport open → connected, retryCount reset, connect sent', () => {
    const c = startClient();
    c.take();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.status()).toEqual(connected);
    expect(c.log.slice(0, 2)).toEqual(['sendConnect', 'beginReconnectHooks']);
  });

  it('a lost transport goes waiting with retryTime; the retry timer increments retryCount', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'TRANSPORT.CLOSED', code: 1006 });
    expect(c.status()).toEqual({ status: 'waiting', connected: false, retryCount: 0, retryTime: T0 + 10 });
    expect(c.context().lastLoss).toEqual({
      code: 'DDP_CONNECTION_LOST',
      closeCode: 1006,
      closeReason: undefined,
    });
    c.tick(9);
    expect(c.status().status).toBe('waiting');
    c.tick(1);
    expect(c.status()).toEqual(connecting(1));
    expect('retryTime' in c.status()).toBe(false);
  });

  it('retry: false → failed without reason, not permanent: reconnect() works', () => {
    const c = startClient({ retry: false });
    c.actor.send({ type: 'TRANSPORT.ERROR', error: new Error('boom') });
    expect(c.status()).toEqual({ status: 'failed', connected: false, retryCount: 0 });
    c.actor.send({ type: 'RECONNECT' });
    expect(c.status()).toEqual(connecting(0));
  });

  it('disconnect() → offline with retryCount 0 from every non-permanent state', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(c.status().retryCount).toBe(1);
    c.actor.send({ type: 'DISCONNECT' });
    expect(c.status()).toEqual(offline);
    c.actor.send({ type: 'RECONNECT' });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.take();
    c.actor.send({ type: 'DISCONNECT' });
    expect(c.status()).toEqual(offline);
    expect(c.log).toEqual(['sendGoodbye', 'transport:close']);
  });

  it('close() → permanent failed with retryCount 0 and no reason; reconnect() is then ignored', () => {
    for (const setup of [
      (c: ReturnType<typeof startClient>) => c,
      (c: ReturnType<typeof startClient>) => c.actor.send({ type: 'TRANSPORT.OPEN' }),
      (c: ReturnType<typeof startClient>) => c.actor.send({ type: 'TRANSPORT.CLOSED' }),
      (c: ReturnType<typeof startClient>) => c.actor.send({ type: 'DISCONNECT' }),
    ]) {
      const c = startClient();
      setup(c);
      c.take();
      c.actor.send({ type: 'CLOSE' });
      expect(c.status()).toEqual({ status: 'failed', connected: false, retryCount: 0 });
      expect(c.log).toContain('failOutstanding');
      c.take();
      c.actor.send({ type: 'RECONNECT' });
      c.actor.send({ type: 'NETWORK.ONLINE' });
      c.actor.send({ type: 'DISCONNECT' });
      expect(c.status()).toEqual({ status: 'failed', connected: false, retryCount: 0 });
      expect(c.log).toEqual([]);
    }
  });

  it('scenario 28: status history connecting → connected → offline → connecting → connected', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DISCONNECT' });
    c.actor.send({ type: 'RECONNECT' });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.history.map((s) => s.status)).toEqual([
      'connecting',
      'connected',
      'offline',
      'connecting',
      'connected',
    ]);
  });

  it('scenario 29: offline stays offline on NETWORK.ONLINE (and on PAGE.VISIBLE)', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DISCONNECT' });
    c.actor.send({ type: 'NETWORK.ONLINE' });
    c.actor.send({ type: 'PAGE.VISIBLE' });
    c.tick(60_000);
    expect(c.status()).toEqual(offline);
  });

  it('every status object is frozen and new per change', () => {
    const c = startClient();
    const a = c.status();
    expect(Object.isFrozen(a)).toBe(true);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.status()).not.toBe(a);
  });
});

describe('reconnect() in every state (§2.2)', () => {
  it('scenario 30: while connected plain reconnect() is a no-op; force → waiting at once, retry ~10 ms', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: '17' });
    c.take();
    c.actor.send({ type: 'RECONNECT' });
    expect(c.status()).toEqual(connected);
    expect(c.log).toEqual([]);
    c.actor.send({ type: 'RECONNECT', force: true });
    expect(c.status()).toEqual({ status: 'waiting', connected: false, retryCount: 0, retryTime: T0 + 10 });
    expect(c.log).toEqual(['transport:close']);
    expect(c.context().lastLoss?.code).toBe('DDP_FORCED_RECONNECT');
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.context().session).toBe('17'); // sendConnect offers the old session id
  });

  it('scenario 35: reconnect({ url }) while connected forces a reconnect to the new url', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'RECONNECT', url: 'ws://other/websocket' });
    expect(c.status().status).toBe('waiting');
    expect(c.context().url).toBe('ws://other/websocket');
  });

  it('from connecting: aborts and reopens, retryCount unchanged', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    expect(c.status()).toEqual(connecting(1));
    c.take();
    c.actor.send({ type: 'RECONNECT', url: 'ws://b/websocket' });
    expect(c.log).toEqual(['transport:close', 'transport:open']);
    expect(c.status()).toEqual(connecting(1));
    expect(c.context().url).toBe('ws://b/websocket');
  });

  it('from waiting: retries now without counting', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(c.status()).toMatchObject({ status: 'waiting', retryCount: 1 });
    c.actor.send({ type: 'RECONNECT' });
    expect(c.status()).toEqual(connecting(1));
    c.tick(9_999); // the cancelled retry timer never fires (the connect timeout is 10 s)
    expect(c.status()).toEqual(connecting(1));
    expect(c.history.filter((s) => s.status === 'connecting')).toHaveLength(3);
  });

  it('from offline: back to connecting with retryCount 0', () => {
    const c = startClient();
    c.actor.send({ type: 'DISCONNECT' });
    c.actor.send({ type: 'RECONNECT' });
    expect(c.status()).toEqual(connecting(0));
  });
});

describe('network and visibility signals', () => {
  it('NETWORK.ONLINE retries now from waiting and failed.retryable, not from offline or connecting', () => {
    const w = startClient();
    w.actor.send({ type: 'TRANSPORT.CLOSED' });
    w.actor.send({ type: 'NETWORK.ONLINE' });
    expect(w.status()).toEqual(connecting(0));
    w.take();
    w.actor.send({ type: 'NETWORK.ONLINE' });
    expect(w.log).toEqual([]); // an attempt in flight is left alone

    const f = startClient({ retry: false });
    f.actor.send({ type: 'TRANSPORT.CLOSED' });
    f.actor.send({ type: 'NETWORK.ONLINE' });
    expect(f.status()).toEqual(connecting(0));
  });

  it('NETWORK.OFFLINE and PAGE.VISIBLE while live probe with an immediate ping; status unchanged', () => {
    for (const type of ['NETWORK.OFFLINE', 'PAGE.VISIBLE'] as const) {
      const c = startClient();
      c.actor.send({ type: 'TRANSPORT.OPEN' });
      c.actor.send({ type: 'DDP.CONNECTED', session: 's' });
      c.take();
      c.actor.send({ type });
      expect(c.log).toEqual(['sendPing']);
      expect(c.status().status).toBe('connected');
      c.actor.send({ type: 'DDP.ACTIVITY' });
      c.tick(15_000);
      expect(c.status().status).toBe('connected');
    }
  });

  it('NETWORK.OFFLINE does not change waiting; PAGE.VISIBLE retries now from waiting', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.actor.send({ type: 'NETWORK.OFFLINE' });
    expect(c.status().status).toBe('waiting');
    c.actor.send({ type: 'PAGE.VISIBLE' });
    expect(c.status()).toEqual(connecting(0));
  });
});
