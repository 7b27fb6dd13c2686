import { ScriptedServer } from '@ddpx/testing';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, type WebSocketConstructor } from '../src/index.js';
import { flush, live, open, recordingLogger, setup } from './helpers.js';

describe('options', () => {
  it('autoConnect: false starts offline until reconnect()', async () => {
    const { conn, server } = setup({ autoConnect: false });
    expect(conn.status()).toEqual({ status: 'offline', connected: false, retryCount: 0 });
    expect(server.sockets).toHaveLength(0);
    conn.reconnect();
    await open(server);
    expect(conn.status().status).toBe('connected');
  });

  it('inspect receives the actor inspection events; actor is exposed', async () => {
    const events: unknown[] = [];
    const { conn, server } = setup({ inspect: (e) => events.push(e) });
    await live(conn, server);
    expect(events.length).toBeGreaterThan(0);
    expect(conn.actor.getSnapshot().matches({ linked: { connected: { session: 'live' } } })).toBe(true);
  });

  it('inspect also takes an observer object (what @statelyai/inspect hands out)', async () => {
    const types = new Set<string>();
    const { conn, server } = setup({ inspect: { next: (e) => types.add(e.type) } });
    await live(conn, server);
    expect(types).toContain('@xstate.microstep');
    expect(types).toContain('@xstate.event');
  });

  it('inspect(observer) attaches late and detaches with the returned function', async () => {
    const { conn, server } = setup({ autoConnect: false });
    const seen: string[] = [];
    const stop = conn.inspect((e) => {
      if (e.type === '@xstate.event') seen.push((e.event as { type: string }).type);
    });
    conn.reconnect();
    await live(conn, server);
    expect(seen).toContain('RECONNECT');
    expect(seen).toContain('DDP.CONNECTED');
    stop();
    const before = seen.length;
    conn.disconnect();
    expect(conn.status().status).toBe('offline');
    expect(seen.length).toBe(before);
  });

  it('a WebSocket constructor passed in is used', async () => {
    const s = await new ScriptedServer().start();
    let constructed = 0;
    class Counting extends WebSocket {
      constructor(url: string, protocols?: string | string[], opts?: object) {
        super(url, protocols, opts);
        constructed++;
      }
    }
    const conn = connect(s.url, {
      WebSocket: Counting as unknown as WebSocketConstructor,
      logger: recordingLogger(),
    });
    try {
      await expect(conn.call('echo', 'x')).resolves.toBe('x');
      expect(constructed).toBe(1);
    } finally {
      conn.close();
      await s.stop();
    }
  });

  it('misuse throws synchronously', () => {
    expect(() => connect('')).toThrow(TypeError);
    expect(() => connect('ws://x/websocket', { transport: 'carrier-pigeon' as 'websocket' })).toThrow(
      TypeError,
    );
    expect(() => connect('ws://x/websocket', { connectTimeoutMs: 0, autoConnect: false })).toThrow(
      RangeError,
    );
    expect(() => connect('ws://x/websocket', { maxBatchFrames: 0, autoConnect: false })).toThrow(RangeError);
    const { conn } = setup();
    expect(() => conn.apply('m', 'not-array' as unknown as unknown[])).toThrow(TypeError);
    expect(() => conn.subscribe(1 as unknown as string)).toThrow(TypeError);
    void flush;
  });
});
