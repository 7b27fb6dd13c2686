import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason, PublicationContext, ServerEvents } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

/** Meteor 3.5's client count: every received message with `msg`, except ping/pong. */
const receivedCount = (c: RawClient) =>
  c.messages.filter((m) => m.msg && m.msg !== 'ping' && m.msg !== 'pong').length;

function recorder() {
  const events: string[] = [];
  const reasons: CloseReason[] = [];
  let connections = 0;
  let ctx: PublicationContext | undefined;
  let release: (() => void) | undefined;
  let runs = 0;
  return {
    events,
    reasons,
    get connections() {
      return connections;
    },
    get ctx() {
      return ctx!;
    },
    release: () => release?.(),
    get runs() {
      return runs;
    },
    setup(s: import('../src/index.js').DDPServer) {
      s.onConnection(() => connections++);
      s.on('detach', () => events.push('detach'));
      s.on('resume', (e: ServerEvents['resume']) => events.push(`resume:${e.replayed}`));
      s.on('close', (e) => reasons.push(e.reason));
      s.publish('feed', function () {
        ctx = this;
        this.ready();
      });
      s.methods({
        whoami: function () {
          return this.connection.id;
        },
        slow: async () => {
          runs++;
          await new Promise<void>((r) => (release = r));
          return 'done';
        },
      });
    },
  };
}

describe('session resumption (Meteor 3.5 wire format, scenarios 38–40)', () => {
  it('an unexpected drop detaches; reconnecting with matching counts resumes the same id and delivers what was sent during the gap (38)', async () => {
    const r = recorder();
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 400 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await a.next((m) => m.msg === 'ready');
    a.terminate();
    await a.closed;
    await delay(20);
    expect(r.events).toEqual(['detach']);
    r.ctx.added('c', 'during-gap', { n: 1 });
    await delay(80); // grace/4: the session still exists
    expect(server.connections.has(a.session!)).toBe(true);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    expect(b.session).toBe(a.session);
    await b.next((m) => m.msg === 'added');
    expect(b.messages).toEqual([
      { msg: 'connected', session: a.session, resumeReason: 'resumed', resumeToken: expect.any(String) },
      { msg: 'added', collection: 'c', id: 'during-gap', fields: { n: 1 } },
    ]);
    expect((await b.call('whoami')).result).toBe(a.session);
    expect(r.connections).toBe(1);
    expect(r.events).toEqual(['detach', 'resume:1']);
    // The subscription stayed live across the resume.
    r.ctx.changed('c', 'during-gap', { n: 2 });
    await b.next((m) => m.msg === 'changed');
  });

  it('replays exactly the messages the client missed when its count falls inside the buffer', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: { gracePeriodMs: 400 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await a.next((m) => m.msg === 'ready');
    for (let i = 0; i < 3; i++) r.ctx.added('c', `d${i}`, { i });
    await a.next((m) => m.id === 'd2');
    a.terminate();
    await a.closed;
    await delay(20);
    r.ctx.added('c', 'd3', { i: 3 });
    // Pretend the last two messages never arrived.
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a) - 2,
    });
    await b.next((m) => m.id === 'd3');
    expect(b.messages.map((m) => (m.msg === 'connected' ? 'connected' : m.id))).toEqual([
      'connected',
      'd1',
      'd2',
      'd3',
    ]);
    // Counting stays aligned with the client's: a second drop and resume replays nothing extra.
    const count = receivedCount(a) - 2 + receivedCount(b);
    b.terminate();
    await b.closed;
    await delay(20);
    const c = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: count,
    });
    expect(c.session).toBe(a.session);
    await delay(30);
    expect(c.messages).toEqual([
      { msg: 'connected', session: a.session, resumeReason: 'resumed', resumeToken: expect.any(String) },
    ]);
    expect(r.events).toEqual(['detach', 'resume:3', 'detach', 'resume:0']);
  });

  it('without a reconnect the session ends after the grace period (reason grace-expired, onClose once)', async () => {
    const r = recorder();
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 100 } }, (s) => r.setup(s));
    let closes = 0;
    server.onConnection((c) => c.onClose(() => closes++));
    const a = await RawClient.connect(wsUrl);
    a.terminate();
    await delay(150);
    expect(server.connections.has(a.session!)).toBe(false);
    expect(r.reasons).toEqual(['grace-expired']);
    expect(closes).toBe(1);
  });

  it('a method running when the socket dropped is awaited, never run again when re-sent', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: { gracePeriodMs: 400 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.send({ msg: 'method', id: '1', method: 'slow', params: [] });
    await delay(20);
    a.terminate();
    await a.closed;
    await delay(20);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    b.send({ msg: 'method', id: '1', method: 'slow', params: [] }); // Meteor 3.5 clients re-send in-flight methods
    await delay(20);
    r.release();
    expect(await b.next((m) => m.msg === 'result')).toEqual({ msg: 'result', id: '1', result: 'done' });
    await delay(30);
    expect(r.runs).toBe(1);
    expect(b.messages.filter((m) => m.msg === 'result').length).toBe(1);
  });

  it('graceful goodbye or connection.close() end the session at once: the next connect is new (39)', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: { gracePeriodMs: 2000 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.send({ msg: 'disconnect' });
    a.ws.close();
    await a.closed;
    await delay(20);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    expect(b.session).not.toBe(a.session);
    expect(b.messages[0]).toEqual({
      msg: 'connected',
      session: b.session,
      resumeReason: 'unknown-session',
      resumeToken: expect.any(String),
    });
    expect(r.connections).toBe(2);
    expect(r.reasons).toEqual(['client-disconnect']);
  });

  it('a count outside the buffer gets a new session and the stale one is removed: superseded (40)', async () => {
    const r = recorder();
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 2000 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.terminate();
    await a.closed;
    await delay(20);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: 99,
    });
    expect(b.session).not.toBe(a.session);
    expect(b.messages[0]).toEqual({
      msg: 'connected',
      session: b.session,
      resumeReason: 'count-outside-buffer',
      resumeToken: expect.any(String),
    });
    expect(server.connections.has(a.session!)).toBe(false);
    expect(r.connections).toBe(2);
    expect(r.reasons).toEqual(['superseded']);
  });

  it('a detached session whose buffer overflows is closed (buffer-overflow)', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: { gracePeriodMs: 2000, replayBufferMessages: 5 } }, (s) =>
      r.setup(s),
    );
    const a = await RawClient.connect(wsUrl);
    a.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
    await a.next((m) => m.msg === 'ready');
    a.terminate();
    await a.closed;
    await delay(20);
    for (let i = 0; i < 10; i++) r.ctx.added('c', `x${i}`, {});
    await delay(5);
    expect(r.reasons).toEqual(['buffer-overflow']);
  });

  it('resume: false closes on socket loss (socket-closed)', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: false }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    a.terminate();
    await delay(50);
    expect(r.reasons).toEqual(['socket-closed']);
    expect(r.events).toEqual([]);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    expect(b.messages[0]).toEqual({ msg: 'connected', session: b.session, resumeReason: 'resume-disabled' });
    const fresh = await RawClient.connect(wsUrl);
    expect(fresh.messages[0]).toEqual({ msg: 'connected', session: fresh.session });
  });
});

describe('half-open sockets', () => {
  it('a resume naming a live session whose socket the client lost replaces that socket', async () => {
    const r = recorder();
    const { wsUrl } = await start({ resume: { gracePeriodMs: 2000 } }, (s) => r.setup(s));
    const a = await RawClient.connect(wsUrl);
    // The client believes `a` is dead and reconnects while the server still has it open.
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    expect(b.session).toBe(a.session);
    expect(await a.closed).toBe(1000);
    expect((await b.call('whoami')).result).toBe(a.session);
    expect(r.events).toEqual(['detach', 'resume:0']);
    expect(r.connections).toBe(1);
    expect(r.reasons).toEqual([]);
  });
});
