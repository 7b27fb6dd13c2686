import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { clientConnectionMachine, createClientConnectionContext, seededRandom } from '../src/index.js';
import { startClient, T0 } from './helpers.js';

describe('retry backoff (scenario 31)', () => {
  it('waits 10, 10, ~4.84 s ±25 %, ~10.6 s ±25 %, … with retryCount 0,1,1,2,2,3 …', () => {
    const c = startClient({ random: seededRandom(3) });
    const delays: number[] = [];
    const counts: string[] = [];
    for (let i = 0; i < 6; i++) {
      c.actor.send({ type: 'TRANSPORT.CLOSED', code: 1006 }); // the server refuses
      const s = c.status();
      expect(s.status).toBe('waiting');
      counts.push(`waiting:${s.retryCount}`);
      const delay = (s.retryTime ?? 0) - c.clock.now();
      delays.push(delay);
      c.tick(delay - 1);
      expect(c.status().status).toBe('waiting');
      c.tick(1);
      counts.push(`connecting:${c.status().retryCount}`);
    }
    expect(delays.slice(0, 2)).toEqual([10, 10]);
    const ranges = [
      [4840, 2],
      [10648, 3],
      [23425.6, 4],
      [51536.3, 5],
    ] as const;
    ranges.forEach(([base], i) => {
      const d = delays[i + 2] ?? 0;
      expect(d).toBeGreaterThanOrEqual(base * 0.75);
      expect(d).toBeLessThan(base * 1.25);
    });
    expect(counts).toEqual([
      'waiting:0',
      'connecting:1',
      'waiting:1',
      'connecting:2',
      'waiting:2',
      'connecting:3',
      'waiting:3',
      'connecting:4',
      'waiting:4',
      'connecting:5',
      'waiting:5',
      'connecting:6',
    ]);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.status()).toEqual({ status: 'connected', connected: true, retryCount: 0 });
  });

  it("waits for the server's retry hint instead of the backoff, capped at maxRetryHintMs; the next loss uses the backoff again", () => {
    const c = startClient({ backoff: () => 25 });
    c.actor.send({
      type: 'TRANSPORT.CLOSED',
      code: 1001,
      reason: 'server-close;retry-in=1800',
      retryInMs: 1800,
    });
    expect(c.status()).toMatchObject({ status: 'waiting', retryCount: 0, retryTime: T0 + 1800 });
    c.tick(1799);
    expect(c.status().status).toBe('waiting');
    c.tick(1);
    expect(c.status()).toMatchObject({ status: 'connecting', retryCount: 1 });
    c.actor.send({ type: 'TRANSPORT.CLOSED', code: 1006 }); // still down: the hint was for one wait
    expect(c.status().retryTime).toBe(c.clock.now() + 25);

    const capped = startClient({ maxRetryHintMs: 500 });
    capped.actor.send({ type: 'TRANSPORT.CLOSED', retryInMs: 60_000 });
    expect(capped.status().retryTime).toBe(T0 + 500);
    const ignoring = startClient({ maxRetryHintMs: 0, backoff: () => 25 });
    ignoring.actor.send({ type: 'TRANSPORT.CLOSED', retryInMs: 60_000 });
    expect(ignoring.status().retryTime).toBe(T0 + 25);
    expect(() => createClientConnectionContext({ url: 'ws://x', maxRetryHintMs: -1 })).toThrow(RangeError);
  });

  it('uses a custom backoff function or options', () => {
    const c = startClient({ backoff: (n) => 1000 * (n + 1) });
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(c.status().retryTime).toBe(T0 + 1000);
    const d = startClient({ backoff: { minTimeout: 50 } });
    d.actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(d.status().retryTime).toBe(T0 + 50);
  });
});

describe('connect timeout (scenario 32)', () => {
  it('an attempt that never opens goes waiting after 10 s by default', () => {
    const c = startClient();
    c.take();
    c.tick(9_999);
    expect(c.status().status).toBe('connecting');
    c.tick(1);
    expect(c.status()).toEqual({
      status: 'waiting',
      connected: false,
      retryCount: 0,
      retryTime: T0 + 10_000 + 10,
    });
    expect(c.log).toEqual(['transport:close']);
    expect(c.context().lastLoss).toEqual({ code: 'DDP_CONNECT_TIMEOUT' });
  });

  it('honours connectTimeoutMs and stops counting once DDP connected arrives', () => {
    const c = startClient({ connectTimeoutMs: 500 });
    c.tick(499);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 'S1' });
    c.tick(10_000);
    expect(c.status().status).toBe('connected');
  });

  it('covers the DDP handshake too: a server that opens the socket but never answers is abandoned', () => {
    const c = startClient({ connectTimeoutMs: 500, heartbeatInterval: 0 });
    c.tick(300);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.tick(199);
    expect(c.status().status).toBe('connected');
    c.tick(1); // the deadline counts from the start of the attempt, not from the socket opening
    expect(c.status().status).toBe('waiting');
    expect(c.context().lastLoss).toEqual({ code: 'DDP_CONNECT_TIMEOUT' });
    expect(c.log.filter((x) => x === 'transport:close')).toHaveLength(1);
  });

  it('rejects a non-positive connectTimeoutMs', () => {
    expect(() => createClientConnectionContext({ url: 'ws://x', connectTimeoutMs: 0 })).toThrow(RangeError);
    const actor = createActor(clientConnectionMachine, { input: { url: 'ws://x', connectTimeoutMs: -1 } });
    actor.subscribe({ error: () => {} });
    actor.start();
    expect(actor.getSnapshot().status).toBe('error');
    expect(actor.getSnapshot().error).toBeInstanceOf(RangeError);
  });
});

describe('client heartbeat (scenario 33, §3.3)', () => {
  function live(input = {}) {
    const c = startClient(input);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 'abc' });
    c.take();
    return c;
  }

  it('pings after 17.5 s of silence and drops the transport 15 s later', () => {
    const c = live();
    c.tick(17_499);
    expect(c.log).toEqual([]);
    c.tick(1);
    expect(c.log).toEqual(['sendPing']);
    c.tick(14_999);
    expect(c.status().status).toBe('connected');
    c.tick(1);
    expect(c.status()).toEqual({
      status: 'waiting',
      connected: false,
      retryCount: 0,
      retryTime: c.clock.now() + 10,
    });
    expect(c.context().lastLoss).toEqual({ code: 'DDP_HEARTBEAT_TIMEOUT' });
    expect(c.log).toEqual(['sendPing', 'transport:close']);
  });

  it('any inbound message during the interval skips the ping at that tick', () => {
    const c = live();
    c.tick(1_000);
    c.actor.send({ type: 'DDP.ACTIVITY' });
    c.actor.send({ type: 'DDP.ACTIVITY' });
    c.tick(16_500);
    expect(c.log).toEqual([]);
    c.tick(17_500);
    expect(c.log).toEqual(['sendPing']);
  });

  it('any inbound message cancels the pending timeout', () => {
    const c = live();
    c.tick(17_500 + 14_000);
    c.actor.send({ type: 'DDP.ACTIVITY' });
    c.tick(10_000);
    expect(c.status().status).toBe('connected');
  });

  it('after a reconnect the next connect offers the old session', () => {
    const c = live();
    c.tick(32_500);
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.context().session).toBe('abc');
    expect(c.log).toContain('sendConnect');
  });

  it('is off for pre1 and for interval 0, and before DDP connected', () => {
    const pre1 = startClient({ supportedVersions: ['pre1'] });
    pre1.actor.send({ type: 'TRANSPORT.OPEN' });
    pre1.actor.send({ type: 'DDP.CONNECTED', session: 's' });
    pre1.tick(200_000);
    expect(pre1.status().status).toBe('connected');
    expect(pre1.log).not.toContain('sendPing');

    const zero = live({ heartbeatInterval: 0 });
    zero.tick(200_000);
    expect(zero.status().status).toBe('connected');

    const early = startClient();
    early.actor.send({ type: 'TRANSPORT.OPEN' });
    early.tick(100_000);
    expect(early.log).not.toContain('sendPing');
  });

  it('honours custom interval and timeout', () => {
    const c = live({ heartbeatInterval: 1000, heartbeatTimeout: 500 });
    c.tick(1000);
    expect(c.log).toEqual(['sendPing']);
    c.tick(500);
    expect(c.status().status).toBe('waiting');
  });
});
