import { calculateVersion } from '@ddpx/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

describe('handshake and version negotiation (§1.3, scenarios 5, 6)', () => {
  it('calculateVersion table (scenario 5)', () => {
    expect(calculateVersion(['A', 'B', 'C'], ['A', 'B', 'C'])).toBe('A');
    expect(calculateVersion(['B', 'C'], ['A', 'B', 'C'])).toBe('B');
    expect(calculateVersion(['A', 'B', 'C'], ['B', 'C'])).toBe('B');
    expect(calculateVersion(['foo', 'bar', 'baz'], ['A', 'B', 'C'])).toBe('A');
  });

  it('answers connected with a 17-character id and runs onConnection once', async () => {
    const seen: string[] = [];
    const { wsUrl, server } = await start({}, (s) => s.onConnection((c) => seen.push(c.id)));
    const c = await RawClient.connect(wsUrl);
    expect(c.session).toMatch(/^[23456789A-HJ-NP-Za-km-z]{17}$/);
    expect(seen).toEqual([c.session]);
    expect(server.connections.get(c.session!)?.id).toBe(c.session);
  });

  it('sends failed{version} and closes when the client proposed another version', async () => {
    let connections = 0;
    const { wsUrl } = await start({}, (s) => s.onConnection(() => connections++));
    const c = await RawClient.connect(wsUrl, { version: 'pre2', support: ['1', 'pre2'] });
    expect(c.messages).toEqual([{ msg: 'failed', version: '1' }]);
    await c.closed;
    expect(connections).toBe(0);
  });

  it.each([
    ['missing support', { msg: 'connect', version: '1' }],
    ['version not in support', { msg: 'connect', version: '1', support: ['pre2'] }],
    ['garbled only', { msg: 'connect', version: 'garbled', support: ['garbled'] }],
  ])('invalid connect (%s) → failed{version:"1"} and close, no session (scenario 6)', async (_, connect) => {
    let connections = 0;
    const { wsUrl } = await start({}, (s) => s.onConnection(() => connections++));
    const c = new RawClient(wsUrl);
    await c.opened;
    c.send(connect);
    expect(await c.next((m) => m.msg === 'failed')).toEqual({ msg: 'failed', version: '1' });
    await c.closed;
    expect(connections).toBe(0);
  });

  it('negotiates pre1 and pre2 when the client prefers them', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl, { version: 'pre2', support: ['pre2', '1'] });
    expect(c.messages[0]?.msg).toBe('connected');
  });

  it('closes a socket that never sends connect (handshake timeout)', async () => {
    const { wsUrl, server } = await start({ handshakeTimeoutMs: 100 });
    const c = new RawClient(wsUrl);
    await c.opened;
    await c.closed;
    expect(server.connections.size).toBe(0);
  });
});
