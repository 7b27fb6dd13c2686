import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason, DDPServer } from '../src/index.js';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

// The session id is public (`connection.id`); these are the attacks issue #11 found, made over real
// sockets with the right id and every `receivedCount` inside the replay window, but not the token.

const receivedCount = (c: RawClient) => c.messages.filter((m) => m.msg !== 'ping' && m.msg !== 'pong').length;
const shape = (m: Record<string, unknown> | undefined) => Object.keys(m ?? {}).sort();

async function owner(server: DDPServer, wsUrl: string) {
  const a = await RawClient.connect(wsUrl);
  a.send({ msg: 'sub', id: 's', name: 'feed', params: [] });
  await a.next((m) => m.msg === 'ready');
  await a.call('login', ['alice']);
  expect(server.connections.has(a.session!)).toBe(true);
  return a;
}

function setup(server: DDPServer, reasons: CloseReason[]) {
  server.methods({
    login(user) {
      return this.setUserId(String(user));
    },
    whoami() {
      return this.userId;
    },
  });
  server.publish('feed', function () {
    for (let i = 0; i < 5; i++) this.added('private', `d${i}`, { secret: i });
    this.ready();
  });
  server.on('close', (e) => reasons.push(e.reason));
}

describe('only the token holder resumes a session', () => {
  it('brute-forcing receivedCount against a live session never resumes and never closes the owner', async () => {
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, reasons));
    const a = await owner(server, wsUrl);
    const count = receivedCount(a);
    const attempts: RawClient[] = [];
    // The real token with its last character changed (to one it is not: 1 run in 64 ended in 'x').
    const token = a.resumeToken!;
    const nearMiss = `${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`;
    for (let k = 0; k <= count + 2; k++) {
      for (const resumeToken of [undefined, 'A'.repeat(24), nearMiss]) {
        const x = await RawClient.connect(wsUrl, { session: a.session, receivedCount: k, resumeToken });
        attempts.push(x);
        expect(x.session).not.toBe(a.session);
        expect(x.messages[0]?.resumeReason).toBe('unknown-session');
        expect(x.messages.some((m) => m.msg === 'added')).toBe(false);
        expect((await x.call('whoami')).result).toBe(null);
      }
    }
    // The owner never noticed: same socket, still logged in, nothing closed.
    expect(a.closeCode).toBeUndefined();
    expect((await a.call('whoami')).result).toBe('alice');
    expect(reasons).toEqual([]);
  });

  it('against a detached session: no attempt resumes it, ends it, or alters it; the owner resumes afterwards', async () => {
    const reasons: CloseReason[] = [];
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, reasons));
    const a = await owner(server, wsUrl);
    const count = receivedCount(a);
    await a.drop();
    for (let k = 0; k <= count + 2; k++) {
      const x = await RawClient.connect(wsUrl, { session: a.session, receivedCount: k });
      expect(x.session).not.toBe(a.session);
      expect(x.messages[0]?.resumeReason).toBe('unknown-session');
    }
    expect(reasons).toEqual([]); // nothing superseded
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: count,
    });
    expect(b.session).toBe(a.session);
    expect(b.messages[0]).toMatchObject({ resumeReason: 'resumed' });
    expect((await b.call('whoami')).result).toBe('alice');
  });

  it('a refused attempt is indistinguishable from one naming an id that never existed', async () => {
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, []));
    const a = await owner(server, wsUrl);
    const real = await RawClient.connect(wsUrl, { session: a.session, receivedCount: 0 });
    const fake = await RawClient.connect(wsUrl, { session: 'NoSuchSession1234', receivedCount: 0 });
    expect(real.messages[0]?.resumeReason).toBe(fake.messages[0]?.resumeReason);
    expect(shape(real.messages[0])).toEqual(shape(fake.messages[0]));
    expect(real.messages.length).toBe(fake.messages.length);
    // Even a count far outside the buffer tells nothing without the token.
    const outside = await RawClient.connect(wsUrl, { session: a.session, receivedCount: 10_000 });
    expect(outside.messages[0]?.resumeReason).toBe('unknown-session');
  });

  it('the same holds on the SockJS raw websocket endpoint', async () => {
    const reasons: CloseReason[] = [];
    const { httpUrl, server } = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, reasons));
    const url = `${httpUrl.replace('http', 'ws')}/sockjs/websocket`;
    const a = await owner(server, url);
    for (let k = 0; k <= receivedCount(a); k++) {
      const x = await RawClient.connect(url, { session: a.session, receivedCount: k });
      expect(x.messages[0]?.resumeReason).toBe('unknown-session');
    }
    expect(a.closeCode).toBeUndefined();
    expect(reasons).toEqual([]);
  });

  it('tokens rotate: after the owner resumes with the new token, the old one is refused', async () => {
    const { wsUrl, server } = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, []));
    const a = await owner(server, wsUrl);
    const first = a.resumeToken!;
    await a.drop();
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: first,
      receivedCount: receivedCount(a),
    });
    const second = b.resumeToken!;
    expect(b.session).toBe(a.session);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await b.drop();
    // The client holds the second token (it proves it by resuming with it): the first stops working.
    const c = await RawClient.connect(wsUrl, { session: a.session, resumeToken: second, receivedCount: 1 });
    expect(c.session).toBe(a.session);
    await c.drop();
    const stolen = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: first,
      receivedCount: 1,
    });
    expect(stolen.session).not.toBe(a.session);
    expect(stolen.messages[0]?.resumeReason).toBe('unknown-session');
  });

  it('Meteor 3.5 clients (no token) get a new session unless the operator opts in with allowTokenless', async () => {
    const strict = await start({ resume: { gracePeriodMs: 5000 } }, (s) => setup(s, []));
    const a = await owner(strict.server, strict.wsUrl);
    await a.drop();
    const b = await RawClient.connect(strict.wsUrl, { session: a.session, receivedCount: receivedCount(a) });
    expect(b.session).not.toBe(a.session);
    expect(strict.server.connections.has(a.session!)).toBe(true); // the detached session is untouched

    const open = await start({ resume: { gracePeriodMs: 5000, allowTokenless: true } }, (s) => setup(s, []));
    const c = await owner(open.server, open.wsUrl);
    await c.drop();
    const d = await RawClient.connect(open.wsUrl, { session: c.session, receivedCount: receivedCount(c) });
    expect(d.session).toBe(c.session);
  });

  it('the token never enters the session chart, so an inspector never sees it', async () => {
    const seen: string[] = [];
    const { wsUrl } = await start({
      resume: { gracePeriodMs: 5000 },
      inspect: (event) =>
        seen.push(JSON.stringify(event, (_k, v) => (typeof v === 'function' ? undefined : v))),
    });
    const a = await RawClient.connect(wsUrl);
    await a.drop();
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: 1,
    });
    expect(b.session).toBe(a.session);
    const all = seen.join('\n');
    expect(all).toContain(a.session!);
    expect(all).not.toContain(a.resumeToken!);
    expect(all).not.toContain(b.resumeToken!);
  });
});
