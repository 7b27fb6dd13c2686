import { hashResumeToken, type SessionRecord, tokenHashMatches } from '@ddpx/server';
import { startRedisServer, type TestRedisServer } from '@ddpx/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../src/index.js';

let redis: TestRedisServer;
let raw: Redis;
const stores: RedisStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url).on('error', () => {});
});
afterAll(async () => {
  raw.disconnect();
  await redis.close();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await raw.flushall();
});

function store(processId: string, extra: { livenessMs?: number } = {}): RedisStore {
  const s = redisStore({ url: redis.url, processId, keyPrefix: 't:', onError: () => {}, ...extra });
  stores.push(s);
  return s;
}

function record(id: string, owner: string, token = 'tok-123456789012345678901'): SessionRecord {
  return {
    id,
    tokenHashes: [hashResumeToken(token)],
    userId: 'u1',
    version: '1',
    subscriptions: [{ id: 's1', name: 'items', params: [{ a: 1 }] }],
    sentCount: 7,
    owner,
    state: 'established',
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('redisStore over a real redis-server', () => {
  it('saves and loads a session record; Redis holds the token hash, never the token', async () => {
    const a = store('A');
    await a.saveSession(record('S1', 'A', 'secret-token-abcdefghijkl'), 10_000);
    const loaded = await a.loadSession('S1');
    expect(loaded).toEqual(record('S1', 'A', 'secret-token-abcdefghijkl'));
    expect(tokenHashMatches(loaded!.tokenHashes, 'secret-token-abcdefghijkl')).toBe(true);
    expect(tokenHashMatches(loaded!.tokenHashes, 'secret-token-abcdefghijkm')).toBe(false);
    const dump = JSON.stringify(await raw.hgetall('t:s:S1'));
    expect(dump).not.toContain('secret-token');
    expect(await a.loadSession('nope')).toBeUndefined();
  });

  it('updates fields only while this process owns the session', async () => {
    const a = store('A');
    const b = store('B');
    await a.saveSession(record('S1', 'A'), 10_000);
    await a.updateSession('S1', { userId: 'u2', state: 'detached' });
    expect((await b.loadSession('S1'))?.userId).toBe('u2');
    await b.updateSession('S1', { userId: 'evil' });
    expect((await a.loadSession('S1'))?.userId).toBe('u2');
  });

  it('keys expire with the grace period once their owner stops refreshing them', async () => {
    const a = store('A', { livenessMs: 60 });
    await a.saveSession(record('S1', 'A'), 150);
    await a.claimMethod('S1', 'm1', 150);
    await sleep(400);
    expect(await raw.exists('t:s:S1', 't:m:S1')).toBe(2); // refreshed by its live owner
    await a.close();
    await sleep(400);
    expect(await raw.keys('t:*')).toEqual([]);
  });

  it('deleting a session leaves nothing behind', async () => {
    const a = store('A');
    await a.saveSession(record('S1', 'A'), 10_000);
    await a.claimMethod('S1', 'm1', 10_000);
    a.recordResult('S1', 'm1', ['{"msg":"result","id":"m1"}'], 10_000);
    await a.deleteSession('S1');
    expect(await raw.keys('t:[sm]:*')).toEqual([]);
  });

  it('admits a method id once across processes and answers a recorded one from Redis', async () => {
    const a = store('A');
    const b = store('B');
    const claims = await Promise.all([a, b, a, b].map((s) => s.claimMethod('S1', 'm1', 10_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'running')).toHaveLength(3);
    const frames = ['{"msg":"result","id":"m1","result":42}', '{"msg":"updated","methods":["m1"]}'];
    const winner = claims[0]!.kind === 'claimed' ? a : b;
    winner.recordResult('S1', 'm1', frames, 10_000);
    expect(await b.claimMethod('S1', 'm1', 10_000)).toEqual({ kind: 'done', frames });
  });

  it('a claim whose process died is taken over (at-least-once) and says so', async () => {
    const a = store('A', { livenessMs: 100 });
    const b = store('B', { livenessMs: 100 });
    await sleep(20);
    expect(await a.claimMethod('S1', 'm1', 10_000)).toEqual({ kind: 'claimed', previousOwnerDied: false });
    expect(await b.claimMethod('S1', 'm1', 10_000)).toEqual({ kind: 'running', owner: 'A' });
    await a.close(); // its liveness key goes at once
    expect(await b.claimMethod('S1', 'm1', 10_000)).toEqual({ kind: 'claimed', previousOwnerDied: true });
  });

  it('a session is taken over atomically; the previous owner hears of it', async () => {
    const a = store('A');
    const b = store('B');
    const c = store('C');
    await a.ready();
    const heard: string[] = [];
    a.onTakeover((id) => heard.push(id));
    await sleep(50); // the takeover channel's subscription is in place
    await a.saveSession(record('S1', 'A'), 10_000);
    const [tb, tc] = await Promise.all([b.takeSession('S1', 'A', 10_000), c.takeSession('S1', 'A', 10_000)]);
    expect([tb, tc].filter(Boolean)).toHaveLength(1);
    const loaded = await a.loadSession('S1');
    expect(loaded?.owner).toBe(tb ? 'B' : 'C');
    await sleep(50);
    expect(heard).toEqual(['S1']);
    expect(await b.takeSession('missing', 'A', 10_000)).toBe(false);
  });

  it('a drained session is released to no owner and lists in the cluster view', async () => {
    const a = store('A');
    await a.saveSession(record('S1', 'A'), 10_000);
    await a.saveSession({ ...record('S2', 'A'), userId: null }, 10_000);
    await a.releaseSession('S2');
    const view = (await a.sessions()).sort((x, y) => x.id.localeCompare(y.id));
    expect(view).toEqual([
      { id: 'S1', owner: 'A', state: 'established', userId: 'u1' },
      { id: 'S2', owner: '', state: 'detached', userId: null },
    ]);
    const b = store('B');
    expect(await b.takeSession('S2', '', 10_000)).toBe(true);
  });

  it('the bus delivers a message to every subscribed process, the publisher included', async () => {
    const a = store('A');
    const b = store('B');
    const got: string[] = [];
    const stopA = a.bus.subscribe('news', (p) => got.push(`A:${JSON.stringify(p)}`));
    b.bus.subscribe('news', (p) => got.push(`B:${JSON.stringify(p)}`));
    b.bus.subscribe('other', (p) => got.push(`other:${JSON.stringify(p)}`));
    await sleep(50);
    a.bus.publish('news', { n: 1 });
    await expect.poll(() => got.length).toBe(2);
    expect(got.sort()).toEqual(['A:{"n":1}', 'B:{"n":1}']);
    stopA();
    await sleep(50);
    b.bus.publish('news', 2);
    await expect.poll(() => got.length).toBe(3);
    expect(got[2]).toBe('B:2');
  });
});

describe('redisStore with Redis stopped', () => {
  it('fails fast, absorbs the outage, and works again once Redis is back', async () => {
    const errors: string[] = [];
    const a = redisStore({
      url: redis.url,
      processId: 'A',
      keyPrefix: 't:',
      onError: (_e, c) => errors.push(c),
    });
    stores.push(a);
    await a.ready();
    await redis.stop();
    const started = Date.now();
    await expect(a.loadSession('S1')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    a.recordResult('S1', 'm1', ['x'], 1000); // never throws
    a.bus.publish('t', 1); // never throws
    await redis.restart();
    await expect
      .poll(
        () =>
          a.loadSession('S1').then(
            () => 'ok',
            () => 'down',
          ),
        { timeout: 8000 },
      )
      .toBe('ok');
  });
});
