import type { ServerOptions } from '@ddpx/server';
import {
  closeRawClients,
  cutAtNth,
  type FaultProxy,
  RawClient,
  sleep,
  startFaultProxy,
  until,
} from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from './support/harness.js';

// A raw client speaking Meteor 3.5's resumption fields (`connect{session, receivedCount}`, the
// `{msg:'disconnect'}` goodbye) against the ddpx server, through the fault proxy, so drops are real
// TCP cuts with no WebSocket close frame. Scenarios 37–40 of §9; what packages/server/test already
// covers over direct sockets (basic resume, goodbye, too-high count, onConnection stop) is not repeated.

let backend: Backend | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  closeRawClients();
  await proxy?.close();
  await backend?.stop();
  proxy = undefined;
  backend = undefined;
});

// Meteor 3.5 clients cannot send ddpx's resume token: these scenarios run with the operator's opt-in
// (`resume.allowTokenless`); the last test shows what they get without it.
async function start(options: ServerOptions, allowTokenless = true) {
  const resume = options.resume === false ? false : { ...options.resume, allowTokenless };
  backend = await startBackend({ ...options, resume });
  proxy = await startFaultProxy({ port: backend.port });
  return { b: backend, p: proxy, url: proxy.wsUrl };
}

const ids = (c: RawClient, from = 0) =>
  c.messages
    .slice(from)
    .flatMap((m) => (m.msg === 'added' || m.msg === 'changed' ? [`${m.msg}:${String(m.id)}`] : []));

describe('Meteor 3.5 client fields against the ddpx server (scenarios 37–40)', () => {
  it('38: a TCP cut within the grace period; the 3.5 client re-sends its sub and in-flight method before `connected`: same id, nothing duplicated', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 400 } });
    b.slowMs = 250; // still running when the client is back
    const a = await RawClient.connect(url);
    a.send({ msg: 'sub', id: 'S', name: 'items', params: [] });
    await a.next((m) => m.msg === 'ready');
    a.send({ msg: 'method', id: '1', method: 'slow', params: [7] });
    await until(() => b.runs.get('slow:7') === 1);
    p.cut();
    await a.closed;
    b.put('gap', { n: 1 }); // sent while detached
    await sleep(100); // grace/4
    expect(b.server.connections.has(a.session!)).toBe(true);
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount }, [
      { msg: 'method', id: '1', method: 'slow', params: [7] },
      { msg: 'sub', id: 'S', name: 'items', params: [] },
    ]);
    expect(c.session).toBe(a.session);
    expect(c.messages[0]).toMatchObject({ msg: 'connected', session: a.session });
    await c.next((m) => m.msg === 'result' && m.id === '1');
    expect(c.messages.find((m) => m.msg === 'added')).toEqual({
      msg: 'added',
      collection: 'items',
      id: 'gap',
      fields: { n: 1 },
    });
    expect((await c.call('whoami')).result).toBe(a.session);
    await sleep(20);
    expect(b.runs.get('slow:7')).toBe(1);
    expect(c.messages.filter((m) => m.msg === 'result' && m.id === '1')).toHaveLength(1);
    expect(c.messages.filter((m) => m.msg === 'ready')).toEqual([]); // the re-sent sub was a duplicate
    expect(b.connections).toEqual([a.session]);
    expect(b.resumes).toHaveLength(1);
  });

  it('38: a method that finished during the gap: its result is replayed, and the re-send is answered from memory (documented duplicate)', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 1000 } });
    b.slowMs = 20;
    const a = await RawClient.connect(url);
    a.send({ msg: 'method', id: '1', method: 'slow', params: [8] });
    await until(() => b.runs.get('slow:8') === 1);
    p.cut();
    await a.closed;
    await sleep(60); // the method finishes while detached: its frames go to the replay buffer
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount }, [
      { msg: 'method', id: '1', method: 'slow', params: [8] },
    ]);
    expect(c.session).toBe(a.session);
    await c.next((m) => m.msg === 'result', 3000, 2);
    await sleep(20);
    expect(b.runs.get('slow:8')).toBe(1);
    // docs/resumption.md: "A re-sent id is not run again: its stored frames are sent again. Clients must
    // ignore a result for a method they no longer wait for." So the wire carries it twice, identically.
    const results = c.messages.filter((m) => m.msg === 'result');
    expect(results).toEqual([
      { msg: 'result', id: '1', result: 's8' },
      { msg: 'result', id: '1', result: 's8' },
    ]);
  });

  it('38: never reconnecting, the cut session exists at grace/4, is gone by 1.5 × grace, onClose runs once, and its id is not reused', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 200 } });
    let closes = 0;
    b.server.onConnection((conn) => conn.onClose(() => closes++));
    const a = await RawClient.connect(url);
    p.cut();
    await a.closed;
    await sleep(50);
    expect(b.server.connections.has(a.session!)).toBe(true);
    expect(closes).toBe(0); // onClose waits for the real end, not the detach
    await sleep(250);
    expect(b.server.connections.has(a.session!)).toBe(false);
    expect(b.closes).toEqual(['grace-expired']);
    expect(closes).toBe(1);
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount });
    expect(c.session).not.toBe(a.session);
    expect(b.connections).toHaveLength(2);
  });

  it('38 (ddpx extension): messages lost in flight at the cut are replayed exactly — no gap, no duplicate', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 1000, replayBufferMessages: 500 } });
    const a = await RawClient.connect(url);
    a.send({ msg: 'sub', id: 'S', name: 'items', params: [] });
    await a.next((m) => m.msg === 'ready');
    const cut = p.cutOn(cutAtNth('"msg":"added"', 40));
    for (let i = 0; i < 100; i++) b.put(`d${i}`, { i });
    await cut;
    await a.closed;
    const before = ids(a);
    expect(before.length).toBe(39);
    for (let i = 100; i < 110; i++) b.put(`d${i}`, { i }); // while detached
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount });
    expect(c.session).toBe(a.session);
    await c.next((m) => m.id === 'd109');
    expect([...before, ...ids(c)]).toEqual(Array.from({ length: 110 }, (_, i) => `added:d${i}`));
    expect(b.resumes).toEqual([110 - 39]);
    // A second cut and resume stays aligned with the 3.5 client's count.
    const count = a.receivedCount + c.receivedCount;
    p.cut();
    await c.closed;
    b.put('late', { i: -1 });
    const d = await RawClient.connect(url, { session: a.session, receivedCount: count });
    expect(d.session).toBe(a.session);
    await d.next((m) => m.id === 'late');
    expect(d.messages.map((m) => m.msg)).toEqual(['connected', 'added']);
  });

  it('39: kicked by connection.close() — a resume offering the old session and an exact count gets a new id', async () => {
    const { b, url } = await start({ resume: { gracePeriodMs: 2000 } });
    const a = await RawClient.connect(url);
    b.server.connections.get(a.session!)!.close();
    await a.closed;
    expect(b.closes).toEqual(['connection-close']);
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount });
    expect(c.session).not.toBe(a.session);
    expect(b.connections).toEqual([a.session, c.session]);
    expect(b.resumes).toEqual([]);
  });

  it('39: after the goodbye a TCP cut never detaches; a connect naming the departing session gets a new one', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 2000 } });
    const a = await RawClient.connect(url);
    a.send({ msg: 'disconnect' });
    await sleep(20);
    // Offered while the old socket is still open (not through the proxy, which is about to cut).
    const c = await RawClient.connect(`ws://127.0.0.1:${b.port}/websocket`, {
      session: a.session,
      receivedCount: a.receivedCount,
    });
    expect(c.session).not.toBe(a.session);
    p.cut();
    await a.closed;
    await until(() => !b.server.connections.has(a.session!));
    expect(b.closes).toEqual(['client-disconnect']);
    expect(b.detaches).toBe(0);
    expect(b.resumes).toEqual([]);
    expect(b.connections).toEqual([a.session, c.session]);
  });

  it('40: a count below the replay buffer gets a new session; the stale one is removed and its onClose runs', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 2000, replayBufferMessages: 5 } });
    const closed: string[] = [];
    b.server.onConnection((conn) => conn.onClose(() => closed.push(conn.id)));
    const a = await RawClient.connect(url);
    a.send({ msg: 'sub', id: 'S', name: 'items', params: [] });
    await a.next((m) => m.msg === 'ready');
    for (let i = 0; i < 10; i++) b.put(`x${i}`, { i });
    await a.next((m) => m.id === 'x9');
    p.cut();
    await a.closed;
    await until(() => b.detaches === 1);
    // The client claims it missed the last 8 messages; only 5 are held.
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount - 8 });
    expect(c.session).not.toBe(a.session);
    expect(b.server.connections.has(a.session!)).toBe(false);
    expect(b.closes).toEqual(['superseded']);
    expect(b.connections).toEqual([a.session, c.session]);
    await until(() => closed.length === 1);
    expect(closed).toEqual([a.session]);
  });

  it('40 (ddpx extension): a count a little behind, still inside the buffer, resumes (Meteor 3.5 would start a new session)', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 2000 } });
    const a = await RawClient.connect(url);
    a.send({ msg: 'sub', id: 'S', name: 'items', params: [] });
    await a.next((m) => m.msg === 'ready');
    for (let i = 0; i < 3; i++) b.put(`y${i}`, { i });
    await a.next((m) => m.id === 'y2');
    p.cut();
    await a.closed;
    await until(() => b.detaches === 1);
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount - 1 });
    expect(c.session).toBe(a.session);
    await c.next((m) => m.id === 'y2');
    expect(ids(c)).toEqual(['added:y2']);
  });

  it('37: onClose registered during the detached gap and after the final goodbye both run, once', async () => {
    const { b, p, url } = await start({ resume: { gracePeriodMs: 1000 } });
    const a = await RawClient.connect(url);
    const conn = b.server.connections.get(a.session!)!;
    p.cut();
    await a.closed;
    await until(() => b.detaches === 1);
    let during = 0;
    conn.onClose(() => during++);
    const c = await RawClient.connect(url, { session: a.session, receivedCount: a.receivedCount });
    expect(c.session).toBe(a.session);
    await sleep(10);
    expect(during).toBe(0); // resuming is not closing
    c.send({ msg: 'disconnect' }); // Meteor 3.5's disconnect(): the goodbye, then the socket closes
    c.ws.close();
    await until(() => during === 1);
    let after = 0;
    conn.onClose(() => after++);
    expect(after).toBe(0); // deferred, even when registered after the end
    await until(() => after === 1);
    await sleep(10);
    expect([during, after]).toEqual([1, 1]);
    expect(b.closes).toEqual(['client-disconnect']);
  });
});
