import { afterEach, describe, expect, it } from 'vitest';
import { hashResumeToken, MemoryBus, MemoryCluster, tokenHashMatches } from '../src/index.js';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

describe('server.bus (in memory by default)', () => {
  it('delivers to every subscriber of the topic, never synchronously, and unsubscribes', async () => {
    const { server } = await start();
    const got: unknown[] = [];
    const stop = server.bus.subscribe('t', (p) => got.push(p));
    server.bus.subscribe('other', (p) => got.push(['other', p]));
    server.bus.publish('t', { n: 1 });
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual([{ n: 1 }]);
    stop();
    server.bus.publish('t', 2);
    await Promise.resolve();
    expect(got).toEqual([{ n: 1 }]);
  });

  it('reports a handler that throws and still runs the others', async () => {
    const errors: unknown[] = [];
    const bus = new MemoryBus((e) => errors.push(e));
    const got: number[] = [];
    bus.subscribe('t', () => {
      throw new Error('boom');
    });
    bus.subscribe('t', (p) => got.push(p as number));
    bus.publish('t', 5);
    await Promise.resolve();
    expect(got).toEqual([5]);
    expect(errors).toHaveLength(1);
  });

  it('misuse throws TypeError', () => {
    const bus = new MemoryBus();
    expect(() => bus.subscribe('t', 1 as never)).toThrow(TypeError);
    expect(() => bus.publish(1 as never, 1)).toThrow(TypeError);
  });
});

describe('resume token hashes', () => {
  it('match only the token they were made from', () => {
    const h = hashResumeToken('abcdefghijklmnopqrstuvwx');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHashMatches([h], 'abcdefghijklmnopqrstuvwx')).toBe(true);
    expect(tokenHashMatches(['junk', h], 'abcdefghijklmnopqrstuvwx')).toBe(true);
    expect(tokenHashMatches([h], 'abcdefghijklmnopqrstuvwy')).toBe(false);
    expect(tokenHashMatches([h], undefined)).toBe(false);
    expect(tokenHashMatches([], 'abcdefghijklmnopqrstuvwx')).toBe(false);
  });
});

describe('MemoryCluster', () => {
  it('admits a method once across its stores, and takes over a dead process claim', async () => {
    const cluster = new MemoryCluster();
    const a = cluster.store('A');
    const b = cluster.store('B');
    expect(await a.claimMethod('S', 'm', 1000)).toEqual({ kind: 'claimed', previousOwnerDied: false });
    expect(await b.claimMethod('S', 'm', 1000)).toEqual({ kind: 'running', owner: 'A' });
    await a.close();
    expect(await b.claimMethod('S', 'm', 1000)).toEqual({ kind: 'claimed', previousOwnerDied: true });
    b.recordResult('S', 'm', ['f'], 1000);
    expect(await a.claimMethod('S', 'm', 1000)).toEqual({ kind: 'done', frames: ['f'] });
  });

  it('the cluster view lists sessions of every server sharing the store', async () => {
    const cluster = new MemoryCluster();
    const a = cluster.store('A');
    await a.saveSession(
      {
        id: 'S1',
        tokenHashes: [],
        userId: null,
        version: '1',
        subscriptions: [],
        sentCount: 1,
        owner: 'A',
        state: 'established',
      },
      1000,
    );
    const { server } = await start({ store: cluster.store('B') });
    expect(await server.clusterSessions()).toEqual([
      { id: 'S1', owner: 'A', state: 'established', userId: null },
    ]);
  });

  it('without a store, the cluster view is this process', async () => {
    const { server, wsUrl } = await start();
    const c = new RawClient(wsUrl);
    await c.opened;
    c.send({ msg: 'connect', version: '1', support: ['1'] });
    const connected = await c.next((m) => m.msg === 'connected');
    expect(await server.clusterSessions()).toEqual([
      { id: connected.session, owner: '', state: 'established', userId: null },
    ]);
  });
});
