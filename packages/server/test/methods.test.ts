import { DDPError } from '@ddpx/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerEvents } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

describe('methods', () => {
  it('sync and async results: updated then result; undefined result omitted', async () => {
    const { wsUrl } = await start({}, (s) =>
      s.methods({
        add: (a, b) => (a as number) + (b as number),
        later: async (x) => {
          await delay(5);
          return { x, at: new Date(0) };
        },
        nothing: () => undefined,
      }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'add', params: [1, 2] });
    c.send({ msg: 'method', id: '2', method: 'later', params: ['y'] });
    c.send({ msg: 'method', id: '3', method: 'nothing' });
    await c.next((m) => m.msg === 'result' && m.id === '3');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'updated', methods: ['1'] },
      { msg: 'result', id: '1', result: 3 },
      { msg: 'updated', methods: ['2'] },
      { msg: 'result', id: '2', result: { x: 'y', at: { $date: 0 } } },
      { msg: 'updated', methods: ['3'] },
      { msg: 'result', id: '3' },
    ]);
  });

  it('unknown method: result 404 "Method \'NAME\' not found" then updated', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '7', method: 'nope', params: [] });
    await c.next((m) => m.msg === 'updated');
    expect(c.messages.slice(1)).toEqual([
      {
        msg: 'result',
        id: '7',
        error: {
          isClientSafe: true,
          error: 404,
          reason: "Method 'nope' not found",
          message: "Method 'nope' not found [404]",
          errorType: 'Meteor.Error',
        },
      },
      { msg: 'updated', methods: ['7'] },
    ]);
  });

  it('a DDPError reaches the client; anything else is 500 with nothing leaked, plus an error event', async () => {
    const errors: ServerEvents['error'][] = [];
    const { wsUrl, server } = await start({}, (s) =>
      s.methods({
        denied: () => {
          throw new DDPError('not-authorized', 'No way', { hint: 1 });
        },
        boom: () => {
          throw new Error('secret database password in stack');
        },
        asyncBoom: async () => {
          throw new TypeError('secret 2');
        },
        circular: () => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return o;
        },
      }),
    );
    server.on('error', (e) => errors.push(e));
    const c = await RawClient.connect(wsUrl);
    const denied = await c.call('denied', [], 'd');
    expect(denied.error).toEqual({
      isClientSafe: true,
      error: 'not-authorized',
      reason: 'No way',
      message: 'No way [not-authorized]',
      errorType: 'Meteor.Error',
      details: { hint: 1 },
    });
    const internal = {
      isClientSafe: true,
      error: 500,
      reason: 'Internal server error',
      message: 'Internal server error [500]',
      errorType: 'Meteor.Error',
    };
    expect((await c.call('boom', [], 'b')).error).toEqual(internal);
    expect((await c.call('asyncBoom', [], 'a')).error).toEqual(internal);
    expect((await c.call('circular', [], 'c')).error).toEqual(internal);
    expect(JSON.stringify(c.messages)).not.toContain('secret');
    expect(errors.map((e) => e.context)).toEqual([
      "method 'boom'",
      "method 'asyncBoom'",
      "method 'circular'",
    ]);
    expect(errors[0]?.connection?.id).toBe(c.session);
  });

  it('messages are processed in order; unblock() lets later ones run', async () => {
    const order: string[] = [];
    let release!: () => void;
    const { wsUrl } = await start({}, (s) =>
      s.methods({
        slow: async () => {
          order.push('slow:start');
          await new Promise<void>((r) => (release = r));
          order.push('slow:end');
        },
        unblocking: async function () {
          this.unblock();
          order.push('unblocking:start');
          await new Promise<void>((r) => (release = r));
          order.push('unblocking:end');
        },
        fast: () => void order.push('fast'),
      }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: '1', method: 'slow' });
    c.send({ msg: 'method', id: '2', method: 'fast' });
    await delay(30);
    expect(order).toEqual(['slow:start']);
    release();
    await c.next((m) => m.msg === 'result' && m.id === '2');
    expect(order).toEqual(['slow:start', 'slow:end', 'fast']);
    c.send({ msg: 'method', id: '3', method: 'unblocking' });
    c.send({ msg: 'method', id: '4', method: 'fast' });
    await c.next((m) => m.msg === 'result' && m.id === '4');
    expect(order.slice(3)).toEqual(['unblocking:start', 'fast']);
    release();
    await c.next((m) => m.msg === 'result' && m.id === '3');
  });

  it('method this: connection, randomSeed, userId/setUserId, isSimulation', async () => {
    const { wsUrl } = await start({}, (s) =>
      s.methods({
        whoami: function () {
          return {
            id: this.connection.id,
            seed: this.randomSeed ?? null,
            user: this.userId,
            sim: this.isSimulation,
          };
        },
        login: async function (user) {
          await this.setUserId(user as string);
        },
      }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send({ msg: 'method', id: 'w', method: 'whoami', randomSeed: 'abc' });
    expect((await c.next((m) => m.id === 'w')).result).toEqual({
      id: c.session,
      seed: 'abc',
      user: null,
      sim: false,
    });
    await c.call('login', ['u1']);
    expect((await c.call('whoami', [], 'w2')).result).toMatchObject({ user: 'u1' });
  });

  it('a re-sent method id that already ran in the session never runs again; its frames are replayed', async () => {
    let runs = 0;
    const { wsUrl } = await start({}, (s) => s.methods({ count: () => ++runs }));
    const c = await RawClient.connect(wsUrl);
    await c.call('count', [], 'same');
    c.send({ msg: 'method', id: 'same', method: 'count', params: [] });
    await c.next((m) => m.msg === 'result', 3000, 3);
    expect(runs).toBe(1);
    expect(c.messages.slice(3)).toEqual([
      { msg: 'updated', methods: ['same'] },
      { msg: 'result', id: 'same', result: 1 },
    ]);
  });
});
