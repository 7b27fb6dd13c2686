import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason, DDPServer } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

// Each flood issue #11 found, sent over real sockets on both transports (raw `ws` at /websocket and
// SockJS's raw websocket at /sockjs/websocket): the limit holds, the abuser is closed with a reason,
// and a bystander on the same server is untouched.

type Endpoint = 'websocket' | 'sockjs';
const ENDPOINTS: Endpoint[] = ['websocket', 'sockjs'];
const urlFor = (r: { wsUrl: string; httpUrl: string }, e: Endpoint) =>
  e === 'websocket' ? r.wsUrl : `${r.httpUrl.replace('http', 'ws')}/sockjs/websocket`;
const CODES: Record<Endpoint, Record<number, number>> = {
  websocket: { 1008: 1008, 1009: 1009, 1001: 1001 },
  sockjs: { 1008: 4008, 1009: 4009, 1001: 4001 },
};

function recordCloses(server: DDPServer): CloseReason[] {
  const reasons: CloseReason[] = [];
  server.on('close', (e) => reasons.push(e.reason));
  return reasons;
}

describe.each(ENDPOINTS)('floods over %s', (endpoint) => {
  it('pings whose pongs are never read: the server never holds more than maxBufferedBytes for them', async () => {
    const limit = 256 * 1024;
    const r = await start({ maxBufferedBytes: limit }, (s) => s.methods({ echo: (x) => x }));
    const reasons = recordCloses(r.server);
    const bystander = await RawClient.connect(urlFor(r, endpoint));
    const c = await RawClient.connect(urlFor(r, endpoint));
    const handle = r.server.connections.get(c.session!)!;
    c.ws.pause(); // stop reading: the kernel buffers fill, then the server's
    const id = 'p'.repeat(1024);
    let most = 0;
    for (let i = 0; i < 200 && reasons.length === 0; i++) {
      for (let j = 0; j < 100; j++) c.send({ msg: 'ping', id });
      await delay(2);
      most = Math.max(most, handle.bufferedAmount);
    }
    await delay(50);
    expect(most).toBeLessThanOrEqual(limit + 2048);
    if (endpoint === 'websocket') expect(reasons).toEqual(['slow-consumer']);
    // sockjs's websocket (faye) stops reading a peer whose output is backed up, so that peer stalls
    // itself before the limit is reached; if it is reached, the close is a slow consumer's.
    else expect(reasons.every((x) => x === 'slow-consumer')).toBe(true);
    expect((await bystander.call('echo', ['still here'])).result).toBe('still here');
  });

  it('more inbound messages per second than maxMessagesPerSecond: closed as rate-limited', async () => {
    const r = await start({ maxMessagesPerSecond: 200 }, (s) => s.methods({ echo: (x) => x }));
    const reasons = recordCloses(r.server);
    const bystander = await RawClient.connect(urlFor(r, endpoint));
    const c = await RawClient.connect(urlFor(r, endpoint));
    for (let i = 0; i < 1000; i++) c.send({ msg: 'ping' });
    expect(await c.closed).toBe(CODES[endpoint][1008]);
    expect(reasons).toEqual(['rate-limited']);
    expect((await bystander.call('echo', [1])).result).toBe(1);
  });

  it('an oversized frame ends the connection with a close code the transport can carry, and the socket', async () => {
    const r = await start({ maxPayloadBytes: 1024 });
    const reasons = recordCloses(r.server);
    const c = await RawClient.connect(urlFor(r, endpoint));
    c.send({ msg: 'method', id: '1', method: 'x', params: ['y'.repeat(5000)] });
    expect(await c.closed).toBe(CODES[endpoint][1009]);
    expect(reasons).toEqual(['payload-too-large']);
  });

  it('a queue overflow ends the connection with a close code the transport can carry', async () => {
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await start({ maxQueuedMessages: 5 }, (s) => s.methods({ slow: () => blocked }));
    const reasons = recordCloses(r.server);
    const c = await RawClient.connect(urlFor(r, endpoint));
    for (let i = 0; i < 20; i++) c.send({ msg: 'method', id: String(i), method: 'slow', params: [] });
    expect(await c.closed).toBe(CODES[endpoint][1008]);
    expect(reasons).toEqual(['queue-overflow']);
    release();
  });

  it('server.close() on an attached server closes every socket with a code the transport can carry', async () => {
    const r = await start();
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(urlFor(r, endpoint))));
    await r.server.close();
    for (const c of clients) expect(await c.closed).toBe(CODES[endpoint][1001]);
  });
});

describe('floods over SockJS polling', () => {
  it('a polling client that posts pings and never polls again: its pongs are bounded (slow-consumer)', async () => {
    const r = await start({ maxBufferedBytes: 256 * 1024 });
    const reasons = recordCloses(r.server);
    const base = `${r.httpUrl}/sockjs/000/${Math.random().toString(36).slice(2)}`;
    const open = await fetch(`${base}/xhr`, { method: 'POST' });
    expect(await open.text()).toBe('o\n');
    const post = (messages: unknown[]) =>
      fetch(`${base}/xhr_send`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(messages.map((m) => JSON.stringify(m))),
      });
    await post([{ msg: 'connect', version: '1', support: ['1'] }]);
    const ping = { msg: 'ping', id: 'p'.repeat(1024) };
    for (let i = 0; i < 50 && reasons.length === 0; i++) await post(Array.from({ length: 100 }, () => ping));
    await delay(20);
    expect(reasons).toEqual(['slow-consumer']);
  });
});

describe('stored method results are bounded in bytes', () => {
  it('past methodResultMemoryBytes the oldest result is forgotten: its re-send is refused, never run again', async () => {
    const runs = new Map<string, number>();
    const { wsUrl } = await start({ resume: { methodResultMemoryBytes: 64 * 1024 } }, (s) =>
      s.methods({
        big(this: unknown, tag: unknown) {
          runs.set(String(tag), (runs.get(String(tag)) ?? 0) + 1);
          return 'r'.repeat(20 * 1024);
        },
      }),
    );
    const c = await RawClient.connect(wsUrl);
    for (let i = 1; i <= 10; i++) await c.call('big', [i], String(i));
    const from = c.messages.length;
    c.send({ msg: 'method', id: '1', method: 'big', params: [1] }); // the oldest: forgotten
    const forgotten = await c.next((m) => m.msg === 'result' && m.id === '1', 3000, from);
    expect(forgotten.error).toMatchObject({ error: 'result-forgotten' });
    c.send({ msg: 'method', id: '10', method: 'big', params: [10] }); // the newest: still held
    const held = await c.next((m) => m.msg === 'result' && m.id === '10', 3000, from);
    expect(held.result).toBe('r'.repeat(20 * 1024));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('results count toward maxTotalReplayBytes: many sessions cannot keep more than the shared budget', async () => {
    const runs: number[] = [];
    const { wsUrl } = await start({ resume: { maxTotalReplayBytes: 128 * 1024 } }, (s) =>
      s.methods({
        big: (n) => {
          runs.push(Number(n));
          return 'r'.repeat(16 * 1024);
        },
      }),
    );
    const clients = await Promise.all([1, 2, 3, 4].map(() => RawClient.connect(wsUrl)));
    for (const c of clients) for (let i = 0; i < 6; i++) await c.call('big', [i], `m${i}`);
    // 4 × 6 × 16 KiB = 384 KiB of results, three times the budget: the first session's oldest is gone.
    const first = clients[0]!;
    const from = first.messages.length;
    first.send({ msg: 'method', id: 'm0', method: 'big', params: [0] });
    const answer = await first.next((m) => m.msg === 'result' && m.id === 'm0', 3000, from);
    expect(answer.error).toMatchObject({ error: 'result-forgotten' });
    expect(runs).toHaveLength(24);
  });
});

describe('handshake and session slots', () => {
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
  /** Waits until `count` of `clients` were closed (or 3 s passed), then a little longer for any extra. */
  const settled = async (clients: RawClient[], count: number) => {
    for (let t = 0; t < 300 && clients.filter((c) => c.closeCode !== undefined).length < count; t++)
      await delay(10);
    await delay(50);
  };

  it('idle handshakes from one address cannot lock others out, nor use session slots', async () => {
    const { wsUrl } = await start({ maxSessions: 10, maxPendingHandshakesPerAddress: 5, forwardedCount: 1 });
    const idle = Array.from({ length: 20 }, () => new RawClient(wsUrl, from('10.0.0.1')));
    await settled(idle, 15);
    expect(idle.filter((c) => c.closeCode === 1013)).toHaveLength(15);
    expect(idle.filter((c) => c.closeCode === undefined)).toHaveLength(5);
    // Ten real clients from elsewhere still get in: the idle sockets hold no session slot.
    for (let i = 0; i < 10; i++) {
      const c = new RawClient(wsUrl, from(`10.0.1.${i}`));
      await c.opened;
      c.send({ msg: 'connect', version: '1', support: ['1'] });
      const connected = await c.next((m) => m.msg === 'connected');
      expect(connected.session).toEqual(expect.any(String));
    }
  });

  it('maxPendingHandshakes bounds idle handshakes over all addresses; idle ones make room for new clients', async () => {
    const { wsUrl } = await start({ maxPendingHandshakes: 8, forwardedCount: 1 });
    const idle = Array.from({ length: 12 }, (_, i) => new RawClient(wsUrl, from(`10.0.2.${i}`)));
    await settled(idle, 4);
    expect(idle.filter((c) => c.closeCode === 1013)).toHaveLength(4); // young: the newcomers are refused
    await delay(1000);
    // A second later the idle ones are evicted, oldest first, so a real client always gets in.
    const real = await RawClient.connect(wsUrl);
    expect(real.session).toEqual(expect.any(String));
    await delay(50);
    expect(idle.filter((c) => c.closeCode === 1013)).toHaveLength(5);
  });

  it('a server full of detached sessions evicts the oldest for a new client (evicted), never refusing it', async () => {
    const r = await start({ maxSessions: 3, resume: { gracePeriodMs: 10_000 } });
    const closes: { id: string; reason: CloseReason }[] = [];
    r.server.on('close', (e) => closes.push({ id: e.connection.id, reason: e.reason }));
    const gone: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(r.wsUrl);
      await c.drop();
      gone.push(c);
    }
    expect(r.server.connections.size).toBe(3);
    const fresh = await RawClient.connect(r.wsUrl);
    expect(fresh.session).toEqual(expect.any(String));
    expect(closes).toEqual([{ id: gone[0]!.session!, reason: 'evicted' }]);
    expect(r.server.connections.size).toBe(3);
    // The others are still resumable by their owners.
    const back = await RawClient.connect(r.wsUrl, {
      session: gone[1]!.session,
      resumeToken: gone[1]!.resumeToken,
      receivedCount: 1,
    });
    expect(back.session).toBe(gone[1]!.session);
  });
});

describe('server.rateLimiter (Meteor DDPRateLimiter rules) over a socket', () => {
  it('refuses calls past a rule with too-many-requests, Meteor reason text and timeToReset; per-connection buckets; removeRule', async () => {
    let runs = 0;
    const r = await start({}, (s) => {
      s.methods({
        echo: (x) => {
          runs++;
          return x;
        },
      });
      s.publish('feed', function () {
        this.ready();
      });
    });
    const rule = r.server.rateLimiter.addRule(
      { type: 'method', name: 'echo', connectionId: () => true },
      3,
      1000,
    );
    r.server.rateLimiter.addRule({ type: 'subscription', name: 'feed' }, 1, 1000);
    const a = await RawClient.connect(r.wsUrl);
    const b = await RawClient.connect(r.wsUrl);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await a.call('echo', [i], `a${i}`));
    expect(answers.slice(0, 3).map((m) => m.result)).toEqual([0, 1, 2]);
    for (const refused of answers.slice(3)) {
      const error = refused.error as { error: string; reason: string; details: { timeToReset: number } };
      expect(error.error).toBe('too-many-requests');
      expect(error.reason).toMatch(
        /^Error, too many requests\. Please slow down\. You must wait \d+ seconds? before trying again\.$/,
      );
      expect(error.details.timeToReset).toBeGreaterThan(0);
      expect(error.details.timeToReset).toBeLessThanOrEqual(1000);
    }
    expect(runs).toBe(3); // refused calls never ran
    expect((await b.call('echo', ['b'])).result).toBe('b'); // b has its own bucket
    expect(r.server.rateLimiter.removeRule(rule)).toBe(true);
    expect((await a.call('echo', ['again'])).result).toBe('again');

    a.send({ msg: 'sub', id: 's1', name: 'feed', params: [] });
    await a.next((m) => m.msg === 'ready');
    a.send({ msg: 'sub', id: 's2', name: 'feed', params: [] });
    const nosub = await a.next((m) => m.msg === 'nosub' && m.id === 's2');
    expect(nosub.error).toMatchObject({ error: 'too-many-requests' });
  });
});

describe('a session that ends while setUserId reruns its subscriptions (found by pnpm fuzz)', () => {
  it('reports no error and leaves nothing behind', async () => {
    let gate: () => void = () => {};
    const errors: unknown[] = [];
    const r = await start({}, (s) => {
      s.on('error', (e) => errors.push(e.error));
      s.methods({
        login(id) {
          return this.setUserId(String(id)).catch((e: unknown) => void errors.push(e));
        },
      });
      s.publish('feed', async function () {
        this.added('docs', 'd1', { user: this.userId });
        if (this.userId !== null) await new Promise<void>((resolve) => (gate = resolve));
        this.ready();
      });
    });
    const c = await RawClient.connect(r.wsUrl);
    c.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await c.next((m) => m.msg === 'ready');
    c.send({ msg: 'method', id: '1', method: 'login', params: ['u1'] });
    await delay(20); // the rerun is waiting on the new run
    r.server.connections.get(c.session!)!.close();
    gate();
    await delay(20);
    expect(errors).toEqual([]);
    expect(r.server.connections.size).toBe(0);
  });
});
