import { createServer, type DDPServer } from '@ddpx/server';
import { closeRawClients, RawClient, startRedisServer, type TestRedisServer } from '@ddpx/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStore, redisStore } from '../src/index.js';

let redis: TestRedisServer;
const servers: DDPServer[] = [];
const stores: RedisStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  closeRawClients();
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(stores.map((s) => s.close()));
  await redis.close();
});

async function node(id: string, errors: string[]) {
  const store = redisStore({ url: redis.url, processId: id, onError: () => {} });
  stores.push(store);
  await store.ready();
  const server = createServer({ store });
  servers.push(server);
  server.on('error', (e) => errors.push(e.context));
  let runs = 0;
  server.methods({
    count: () => ++runs,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, url: `ws://127.0.0.1:${port}/websocket` };
}

describe('Redis stopped under running servers', () => {
  it('live sessions keep working, cross-process resumes degrade to new sessions with a reason, and recover', async () => {
    const errors: string[] = [];
    const a = await node('A', errors);
    const b = await node('B', errors);
    const c1 = await RawClient.connect(a.url);
    expect((await c1.call('count')).result).toBe(1);

    await redis.stop();
    // the live session still runs methods (admitted on this process only, reported)
    expect((await c1.call('count', [], 'down-1')).result).toBe(2);
    expect(errors).toContain('method claim (admitted on this process only)');
    // a resume on another process cannot reach the store: a new session, with the reason
    await c1.drop();
    const c2 = await RawClient.connect(b.url, {
      session: c1.session,
      receivedCount: c1.receivedCount,
      resumeToken: c1.resumeToken,
    });
    expect(c2.messages[0]).toMatchObject({ msg: 'connected', resumeReason: 'store-unavailable' });
    expect(c2.session).not.toBe(c1.session);
    expect(errors.some((e) => e.startsWith('session store lookup'))).toBe(true);
    // the session's own process still resumes it in place (its memory holds it)
    const c3 = await RawClient.connect(a.url, {
      session: c1.session,
      receivedCount: c1.receivedCount,
      resumeToken: c1.resumeToken,
    });
    expect(c3.messages[0]).toMatchObject({ session: c1.session, resumeReason: 'resumed' });

    await redis.restart(); // empty: every record is gone
    await stores[0]!.ready();
    await stores[1]!.ready();
    const c4 = await RawClient.connect(a.url);
    expect((await c4.call('count', [], 'up-1')).result).toBe(3);
    await c4.drop();
    const c5 = await RawClient.connect(b.url, {
      session: c4.session,
      receivedCount: c4.receivedCount,
      resumeToken: c4.resumeToken,
    });
    expect(c5.messages[0]).toMatchObject({ session: c4.session, resumeReason: 'rebuilt' });
  }, 20_000);
});
