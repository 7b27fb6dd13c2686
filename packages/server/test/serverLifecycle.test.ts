import { parseRetryHint } from '@ddpx/protocol';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { CloseReason } from '../src/index.js';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

// The server's charts on an injected clock (`ServerOptions.clock`), over real loopback sockets: the
// drain's pacing is the lifecycle chart's `drainStep`, the handshake timeout the session chart's, and
// neither needs real time to pass.

/** Waits (in real time, briefly) until `check` holds: socket events cross the loopback. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('server lifecycle on an injected clock', () => {
  it('close({ drainMs }) closes one session per drainMs / sessions of simulated time, then resolves', async () => {
    const clock = new SimulatedClock();
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ clock });
    server.on('close', (e) => reasons.push(e.reason));
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(wsUrl)));
    let resolved = false;
    const closing = server.close({ drainMs: 3000 }).then(() => {
      resolved = true;
    });
    // Whatever fails below, the drain ends, so the server can be stopped.
    onTestFinished(() => clock.increment(10_000));
    expect(reasons).toEqual(['server-close']);
    // No new socket while draining: the upgrade is left to the http server, which refuses it.
    const late = new RawClient(wsUrl);
    await expect(late.opened).rejects.toThrow(/400/);
    clock.increment(999);
    expect(reasons).toHaveLength(1);
    clock.increment(1);
    expect(reasons).toHaveLength(2);
    clock.increment(1000);
    expect(reasons).toEqual(['server-close', 'server-close', 'server-close']);
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false); // the last session gets its whole step too
    clock.increment(1000);
    await closing;
    for (const c of clients) expect(await c.closed).toBe(1001);
  });

  it('close({ drainMs }) with more sessions than 10 ms steps closes them in batches and still ends after drainMs', async () => {
    const clock = new SimulatedClock();
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ clock });
    server.on('close', (e) => reasons.push(e.reason));
    await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(wsUrl)));
    let resolved = false;
    const closing = server.close({ drainMs: 40 }).then(() => {
      resolved = true;
    });
    onTestFinished(() => clock.increment(10_000));
    // 40 ms hold 4 steps of 10 ms: 3 sessions each, the first batch at once.
    expect(reasons).toHaveLength(3);
    clock.increment(9);
    expect(reasons).toHaveLength(3);
    clock.increment(1);
    expect(reasons).toHaveLength(6);
    clock.increment(10);
    expect(reasons).toHaveLength(9);
    clock.increment(10);
    expect(reasons).toHaveLength(12);
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    clock.increment(10);
    await closing;
    expect(resolved).toBe(true);
  });

  it('close() without drainMs closes every session at once; a second close() returns the same promise', async () => {
    const clock = new SimulatedClock();
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ clock });
    server.on('close', (e) => reasons.push(e.reason));
    await Promise.all([1, 2].map(() => RawClient.connect(wsUrl)));
    const first = server.close();
    expect(reasons).toEqual(['server-close', 'server-close']);
    expect(server.close({ drainMs: 5000 })).toBe(first);
    await first;
  });

  it('close({ drainMs, comeBack }) tells each client when to return: after the drain, spread over the window in closing order', async () => {
    const clock = new SimulatedClock();
    const { wsUrl, server } = await start({ clock });
    const clients = await Promise.all([1, 2, 3, 4].map(() => RawClient.connect(wsUrl)));
    const closing = server.close({ drainMs: 400, comeBack: { afterMs: 1000, windowMs: 2000 } });
    onTestFinished(() => clock.increment(10_000));
    for (let step = 0; step < 4; step++) {
      if (step > 0) clock.increment(100);
      await until(() => clients.filter((c) => c.closeCode !== undefined).length === step + 1);
    }
    clock.increment(100);
    await closing;
    // Session k closes at k × 100 ms: drain left (400 − 100k) + 1000 + its share (k + ½) × 500 of the window.
    const hints = clients.map((c) => parseRetryHint(c.closeReason));
    expect(hints).toEqual([1650, 2050, 2450, 2850]);
    for (const c of clients) {
      expect(c.closeCode).toBe(1001);
      expect(c.closeReason).toMatch(/^server-close;retry-in=\d+$/);
    }
  });

  it('a drain hints by default (1 s after, spread over max(1 s, drainMs)); close() at once and comeBack: false do not', async () => {
    const clock = new SimulatedClock();
    const drained = await start({ clock });
    const a = await Promise.all([1, 2].map(() => RawClient.connect(drained.wsUrl)));
    const closing = drained.server.close({ drainMs: 20 });
    onTestFinished(() => clock.increment(10_000));
    clock.increment(10);
    clock.increment(10);
    await closing;
    await Promise.all(a.map((c) => c.closed));
    // Two sessions over 20 ms: closed at 0 and 10 ms; returns at 1000 + 250 and 1000 + 750 after the drain.
    expect(a.map((c) => parseRetryHint(c.closeReason))).toEqual([1270, 1760]);

    for (const options of [{}, { drainMs: 20, comeBack: false as const }]) {
      const other = await start({ clock });
      const b = await Promise.all([1, 2].map(() => RawClient.connect(other.wsUrl)));
      const done = other.server.close(options);
      clock.increment(10);
      clock.increment(10);
      await done;
      await Promise.all(b.map((c) => c.closed));
      expect(b.map((c) => c.closeReason)).toEqual(['server-close', 'server-close']);
    }
  });

  it("the session chart's handshake timeout runs on the same clock", async () => {
    const clock = new SimulatedClock();
    const { wsUrl } = await start({ clock, handshakeTimeoutMs: 10_000 });
    const silent = new RawClient(wsUrl);
    await silent.opened;
    await new Promise((r) => setTimeout(r, 20));
    clock.increment(9_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(silent.closeCode).toBeUndefined();
    clock.increment(1);
    await until(() => silent.closeCode !== undefined);
  });
});

describe('SockJS while draining (real time)', () => {
  it('a drain opens no new SockJS session: an xhr open for an unknown session is refused', async () => {
    const { httpUrl, wsUrl, server } = await start();
    await Promise.all([1, 2].map(() => RawClient.connect(wsUrl)));
    const open = (session: string) =>
      fetch(`${httpUrl}/sockjs/000/${session}/xhr`, { method: 'POST', signal: AbortSignal.timeout(3000) });
    const before = await open('beforedrain');
    expect([before.status, await before.text()]).toEqual([200, 'o\n']);
    const closing = server.close({ drainMs: 300 });
    const during = await open('duringdrain');
    expect([during.status, await during.text()]).toEqual([404, 'Not found\n']);
    await closing;
  });
});
