import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

describe("Meteor's replies to bad input (§1.4, scenarios 7, 8); the socket stays open", () => {
  it('before connect: Must connect first with offendingMessage; bad JSON → Bad request', async () => {
    const { wsUrl } = await start();
    const c = new RawClient(wsUrl);
    await c.opened;
    c.send({ msg: 'sub', id: 'a', name: 'x' });
    expect(await c.next((m) => m.msg === 'error')).toEqual({
      msg: 'error',
      reason: 'Must connect first',
      offendingMessage: { msg: 'sub', id: 'a', name: 'x' },
    });
    c.send({ msg: 'bogus' });
    await c.next((m) => (m.offendingMessage as { msg?: string })?.msg === 'bogus');
    c.send('not json');
    c.send('null');
    c.send({ foo: 1 });
    await c.next((m) => (m.offendingMessage as { foo?: number })?.foo === 1);
    expect(c.messages.slice(2)).toEqual([
      { msg: 'error', reason: 'Bad request' },
      { msg: 'error', reason: 'Bad request' },
      { msg: 'error', reason: 'Bad request', offendingMessage: { foo: 1 } },
    ]);
    // Still usable afterwards.
    c.send({ msg: 'connect', version: '1', support: ['1'] });
    await c.next((m) => m.msg === 'connected');
  });

  it('after connect: Already connected, Bad request, Malformed subscription, Malformed method invocation', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl);
    const bad = [
      { msg: 'connect', version: '1', support: ['1'] },
      { msg: 'frobnicate' },
      { msg: 'sub', id: 1, name: 'x' },
      { msg: 'sub', id: 'a', name: 'x', params: 'nope' },
      { msg: 'method', id: '1', method: 'm', randomSeed: 5 },
      { msg: 'method', id: 2, method: 'm' },
    ];
    for (const m of bad) c.send(m);
    c.send('{"broken');
    c.send({ msg: 'added', collection: 'c', id: 'x' });
    await c.next((m) => (m.offendingMessage as { msg?: string })?.msg === 'added');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'error', reason: 'Already connected', offendingMessage: bad[0] },
      { msg: 'error', reason: 'Bad request', offendingMessage: bad[1] },
      { msg: 'error', reason: 'Malformed subscription', offendingMessage: bad[2] },
      { msg: 'error', reason: 'Malformed subscription', offendingMessage: bad[3] },
      { msg: 'error', reason: 'Malformed method invocation', offendingMessage: bad[4] },
      { msg: 'error', reason: 'Malformed method invocation', offendingMessage: bad[5] },
      { msg: 'error', reason: 'Bad request' },
      { msg: 'error', reason: 'Bad request', offendingMessage: { msg: 'added', collection: 'c', id: 'x' } },
    ]);
    expect(c.closeCode).toBeUndefined();
  });

  it('JSON nested deeper than maxDepth → Bad request, socket open', async () => {
    const { wsUrl } = await start({ maxDepth: 8 });
    const c = await RawClient.connect(wsUrl);
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = [deep];
    c.send({ msg: 'method', id: '1', method: 'm', params: [deep] });
    expect(await c.next((m) => m.msg === 'error')).toEqual({ msg: 'error', reason: 'Bad request' });
    c.send({ msg: 'ping', id: 'p' });
    await c.next((m) => m.msg === 'pong');
  });

  it('bad EJSON in params → Parse error', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'm', params: [{ $type: 'nope', $value: 1 }] });
    expect(await c.next((m) => m.msg === 'error')).toEqual({ msg: 'error', reason: 'Parse error' });
  });
});

describe('ping (scenarios 9, 10)', () => {
  it('answers ping with pong, echoing the id, ahead of a blocked queue', async () => {
    let release!: () => void;
    const { wsUrl } = await start({}, (s) =>
      s.methods({ block: () => new Promise<void>((r) => (release = r)) }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'block', params: [] });
    c.send({ msg: 'ping' });
    c.send({ msg: 'ping', id: 'X' });
    await c.next((m) => m.msg === 'pong' && m.id === 'X');
    expect(c.messages.slice(1)).toEqual([{ msg: 'pong' }, { msg: 'pong', id: 'X' }]);
    release();
    await c.next((m) => m.msg === 'result');
  });

  it.each(['1', 'pre2'])('version %s: ping → pong', async (v) => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl, { version: v, support: [v] });
    c.send({ msg: 'ping' });
    expect(await c.next((m) => m.msg !== 'connected')).toEqual({ msg: 'pong' });
  });

  it('version pre1: ping → Bad request', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl, { version: 'pre1', support: ['pre1'] });
    c.send({ msg: 'ping' });
    expect(await c.next((m) => m.msg !== 'connected')).toEqual({
      msg: 'error',
      reason: 'Bad request',
      offendingMessage: { msg: 'ping' },
    });
  });
});
