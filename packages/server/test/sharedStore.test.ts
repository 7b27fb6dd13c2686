import { afterEach, describe, expect, it } from 'vitest';
import { type DDPServer, MemoryCluster, type ServerEvents, type SessionStore } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

/** An app with counters, started on a server that shares `store` with others. */
async function node(store: SessionStore) {
  const seen = { connections: 0, closes: 0, runs: new Map<string, number>(), events: [] as string[] };
  let release: (() => void) | undefined;
  const running = await start({ store }, (s: DDPServer) => {
    s.onConnection((c) => {
      seen.connections++;
      c.onClose(() => seen.closes++);
    });
    s.on('resume', (e: ServerEvents['resume']) => seen.events.push(`resume:${e.rebuilt === true}`));
    s.on('close', (e) => seen.events.push(`close:${e.reason}`));
    s.publish('feed', function () {
      this.added('docs', 'a', { v: 1 });
      this.ready();
    });
    s.methods({
      async login(user: unknown) {
        await this.setUserId(user as string);
        return this.connection.id;
      },
      whoami() {
        return { id: this.connection.id, user: this.userId };
      },
      count(key: unknown) {
        seen.runs.set(key as string, (seen.runs.get(key as string) ?? 0) + 1);
        return seen.runs.get(key as string);
      },
      async slow(key: unknown) {
        seen.runs.set(key as string, (seen.runs.get(key as string) ?? 0) + 1);
        await new Promise<void>((r) => (release = r));
        return 'slow done';
      },
    });
  });
  return { ...running, seen, release: () => release?.() };
}

async function twoNodes() {
  const cluster = new MemoryCluster();
  return [await node(cluster.store('A')), await node(cluster.store('B'))] as const;
}

const resumeFields = (c: RawClient) => ({
  session: c.session,
  receivedCount: c.receivedCount,
  resumeToken: c.resumeToken,
});

describe('a session resumes on another server sharing the store', () => {
  it('keeps its id and userId, runs no onConnection or onClose, emits resume (rebuilt) and moved', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    await c1.call('login', ['u1']);
    await c1.sub('feed', [], 's1');
    await c1.drop();
    const c2 = await RawClient.connect(b.wsUrl, resumeFields(c1));
    expect(c2.messages[0]).toMatchObject({ msg: 'connected', session: c1.session, resumeReason: 'rebuilt' });
    expect(c2.resumeToken).toMatch(/^.{24}$/);
    expect(c2.resumeToken).not.toBe(c1.resumeToken);
    const who = await c2.call('whoami');
    expect(who.result).toEqual({ id: c1.session, user: 'u1' });
    expect(b.seen.connections).toBe(0);
    expect(b.seen.events).toEqual(['resume:true']);
    expect(b.server.connections.has(c1.session!)).toBe(true);
    await delay(20);
    expect(a.server.connections.has(c1.session!)).toBe(false);
    expect(a.seen.events).toEqual(['close:moved']);
    expect(a.seen.closes).toBe(0);
    expect(await b.server.clusterSessions()).toEqual([
      { id: c1.session, owner: 'B', state: 'established', userId: 'u1' },
    ]);
    // and back again, with the token B issued
    await c2.drop();
    const c3 = await RawClient.connect(a.wsUrl, resumeFields(c2));
    expect(c3.messages[0]).toMatchObject({ session: c1.session, resumeReason: 'rebuilt' });
    expect(a.seen.connections).toBe(1);
  });

  it('a re-sent method id is answered from the store, never run twice', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    expect((await c1.call('count', ['k'], 'm1')).result).toBe(1);
    await c1.drop();
    const c2 = await RawClient.connect(b.wsUrl, resumeFields(c1), [
      { msg: 'method', method: 'count', params: ['k'], id: 'm1' },
    ]);
    const result = await c2.next((m) => m.msg === 'result' && m.id === 'm1');
    expect(result.result).toBe(1);
    await c2.next((m) => m.msg === 'updated');
    expect(a.seen.runs.get('k')).toBe(1);
    expect(b.seen.runs.get('k')).toBeUndefined();
  });

  it('a method still running on its live process is awaited there, then answered', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    c1.send({ msg: 'method', method: 'slow', params: ['k'], id: 'm1' });
    await delay(20);
    await c1.drop();
    const c2 = await RawClient.connect(b.wsUrl, resumeFields(c1), [
      { msg: 'method', method: 'slow', params: ['k'], id: 'm1' },
    ]);
    await delay(80);
    expect(c2.messages.some((m) => m.msg === 'result')).toBe(false);
    a.release();
    const result = await c2.next((m) => m.msg === 'result' && m.id === 'm1');
    expect(result.result).toBe('slow done');
    expect(a.seen.runs.get('k')).toBe(1);
    expect(b.seen.runs.get('k')).toBeUndefined();
  });

  it('a wrong token gets a new session (unknown-session) and leaves the real one alone', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    const thief = await RawClient.connect(b.wsUrl, {
      session: c1.session,
      receivedCount: 1,
      resumeToken: 'x'.repeat(24),
    });
    expect(thief.messages[0]).toMatchObject({ msg: 'connected', resumeReason: 'unknown-session' });
    expect(thief.session).not.toBe(c1.session);
    expect((await c1.call('whoami')).result).toMatchObject({ id: c1.session });
    expect(a.seen.events).toEqual([]);
  });

  it('a client without a token (Meteor 3.5) gets a new session across processes', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    await c1.drop();
    const c2 = await RawClient.connect(b.wsUrl, { session: c1.session, receivedCount: c1.receivedCount });
    expect(c2.messages[0]).toMatchObject({ msg: 'connected', resumeReason: 'unknown-session' });
    expect(c2.session).not.toBe(c1.session);
    expect(b.seen.connections).toBe(1);
  });

  it('a draining server hands its sessions over instead of closing them', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    await c1.call('login', ['u9']);
    await a.server.close({ drainMs: 0 });
    expect(await c1.closed).toBe(1001);
    expect(a.seen.events).toEqual(['close:moved']);
    const c2 = await RawClient.connect(b.wsUrl, resumeFields(c1));
    expect(c2.messages[0]).toMatchObject({ session: c1.session, resumeReason: 'rebuilt' });
    expect((await c2.call('whoami')).result).toEqual({ id: c1.session, user: 'u9' });
    await delay(10);
    expect(a.seen.closes).toBe(0);
  });

  it('a handed-over session carries no retry hint by default (the others are up), and the one asked for', async () => {
    const [a, b] = await twoNodes();
    const c1 = await RawClient.connect(a.wsUrl);
    await a.server.close({ drainMs: 20 });
    expect(await c1.closed).toBe(1001);
    expect(c1.closeReason).toBe('moved');
    const c2 = await RawClient.connect(b.wsUrl);
    await b.server.close({ comeBack: { afterMs: 100, windowMs: 0 } });
    expect(await c2.closed).toBe(1001);
    expect(c2.closeReason).toBe('moved;retry-in=100');
  });

  it('a session that really ends leaves nothing in the store', async () => {
    const cluster = new MemoryCluster();
    const a = await node(cluster.store('A'));
    const c1 = await RawClient.connect(a.wsUrl);
    expect(await a.server.clusterSessions()).toHaveLength(1);
    c1.send({ msg: 'disconnect' });
    await c1.close();
    await delay(20);
    expect(await a.server.clusterSessions()).toEqual([]);
    expect(a.seen.closes).toBe(1);
  });
});

describe('SockJS polling without sticky sessions', () => {
  it('a polling send for a SockJS session this process does not hold gets a clear 404, reported', async () => {
    const errors: string[] = [];
    const { httpUrl, server } = await start();
    server.on('error', (e) => errors.push(`${e.context}: ${String((e.error as Error).message)}`));
    const res = await fetch(`${httpUrl}/sockjs/123/notheld1/xhr_send`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '["{\\"msg\\":\\"ping\\"}"]',
    });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toContain('does not hold SockJS session notheld1');
    expect(body).toContain('sticky sessions');
    expect(errors).toEqual([
      expect.stringContaining('sockjs xhr_send: ddpx: this server process does not hold'),
    ]);
  });

  it('a SockJS session it does hold still polls and sends through xhr', async () => {
    const { httpUrl } = await start();
    const base = `${httpUrl}/sockjs/123/held0001`;
    const open = await (await fetch(`${base}/xhr`, { method: 'POST' })).text();
    expect(open.trim()).toBe('o');
    const sent = await fetch(`${base}/xhr_send`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify([JSON.stringify({ msg: 'connect', version: '1', support: ['1'] })]),
    });
    expect(sent.status).toBe(204);
    const frames = await (await fetch(`${base}/xhr`, { method: 'POST' })).text();
    expect(frames).toContain('connected');
  });
});
