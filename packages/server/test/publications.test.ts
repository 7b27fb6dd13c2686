import { DDPError } from '@ddpx/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicationContext } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

const sub = (id: string, name: string, params: unknown[] = []) => ({ msg: 'sub', id, name, params });

describe('publications', () => {
  it('low-level added/changed/removed/ready; cleared fields; empty fields dropped', async () => {
    let ctx!: PublicationContext;
    const { wsUrl } = await start({}, (s) =>
      s.publish('docs', function () {
        ctx = this;
        this.added('c', 'a', { x: 1, when: new Date(5) });
        this.added('c', 'b');
        this.ready();
      }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send(sub('s1', 'docs'));
    await c.next((m) => m.msg === 'ready');
    ctx.changed('c', 'a', { x: 2, when: undefined });
    ctx.changed('c', 'a', { x: 2 }); // no visible change: nothing sent
    ctx.removed('c', 'b');
    await c.next((m) => m.msg === 'removed');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'added', collection: 'c', id: 'a', fields: { x: 1, when: { $date: 5 } } },
      { msg: 'added', collection: 'c', id: 'b' },
      { msg: 'ready', subs: ['s1'] },
      { msg: 'changed', collection: 'c', id: 'a', fields: { x: 2 }, cleared: ['when'] },
      { msg: 'removed', collection: 'c', id: 'b' },
    ]);
  });

  it('duplicate sub ids are ignored; unsub of any id answers nosub; documents removed before nosub', async () => {
    let runs = 0;
    const stops: string[] = [];
    const { wsUrl } = await start({}, (s) =>
      s.publish('docs', function () {
        runs++;
        this.onStop(() => stops.push('stopped'));
        this.added('c', 'a', { x: 1 });
        this.ready();
      }),
    );
    const c = await RawClient.connect(wsUrl);
    c.send(sub('s1', 'docs'));
    c.send(sub('s1', 'docs'));
    c.send({ msg: 'unsub', id: 'unknown' });
    await c.next((m) => m.msg === 'nosub');
    c.send({ msg: 'unsub', id: 's1' });
    await c.next((m) => m.msg === 'nosub' && m.id === 's1');
    expect(runs).toBe(1);
    expect(stops).toEqual(['stopped']);
    expect(c.messages.slice(1)).toEqual([
      { msg: 'added', collection: 'c', id: 'a', fields: { x: 1 } },
      { msg: 'ready', subs: ['s1'] },
      { msg: 'nosub', id: 'unknown' },
      { msg: 'removed', collection: 'c', id: 'a' },
      { msg: 'nosub', id: 's1' },
    ]);
  });

  it('unknown publication: nosub with 404 "Subscription \'NAME\' not found"', async () => {
    const { wsUrl } = await start();
    const c = await RawClient.connect(wsUrl);
    c.send(sub('s', 'nope'));
    expect(await c.next((m) => m.msg === 'nosub')).toEqual({
      msg: 'nosub',
      id: 's',
      error: {
        isClientSafe: true,
        error: 404,
        reason: "Subscription 'nope' not found",
        message: "Subscription 'nope' not found [404]",
        errorType: 'Meteor.Error',
      },
    });
  });

  it('error() and throwing handlers stop the subscription: removed, then nosub with the error (500 for non-DDPError)', async () => {
    const { wsUrl } = await start({}, (s) => {
      s.publish('denied', function () {
        this.added('c', 'z', {});
        this.error(new DDPError(403, 'Forbidden'));
      });
      s.publish('throws', () => {
        throw new Error('secret');
      });
      s.publish('stops', function () {
        this.stop();
      });
    });
    const c = await RawClient.connect(wsUrl);
    c.send(sub('d', 'denied'));
    c.send(sub('t', 'throws'));
    c.send(sub('s', 'stops'));
    await c.next((m) => m.msg === 'nosub' && m.id === 's');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'added', collection: 'c', id: 'z' },
      { msg: 'removed', collection: 'c', id: 'z' },
      {
        msg: 'nosub',
        id: 'd',
        error: {
          isClientSafe: true,
          error: 403,
          reason: 'Forbidden',
          message: 'Forbidden [403]',
          errorType: 'Meteor.Error',
        },
      },
      {
        msg: 'nosub',
        id: 't',
        error: {
          isClientSafe: true,
          error: 500,
          reason: 'Internal server error',
          message: 'Internal server error [500]',
          errorType: 'Meteor.Error',
        },
      },
      { msg: 'nosub', id: 's' },
    ]);
  });

  it('merge box: two subscriptions sharing a document send one added, changed by precedence, removed when the last lets go', async () => {
    const { wsUrl } = await start({}, (s) => {
      s.publish('one', function () {
        this.added('c', 'd', { a: 1, shared: 'one' });
        this.ready();
      });
      s.publish('two', function () {
        this.added('c', 'd', { b: 2, shared: 'two' });
        this.ready();
      });
    });
    const c = await RawClient.connect(wsUrl);
    c.send(sub('1', 'one'));
    c.send(sub('2', 'two'));
    c.send({ msg: 'unsub', id: '1' });
    c.send({ msg: 'unsub', id: '2' });
    await c.next((m) => m.msg === 'nosub' && m.id === '2');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'added', collection: 'c', id: 'd', fields: { a: 1, shared: 'one' } },
      { msg: 'ready', subs: ['1'] },
      { msg: 'changed', collection: 'c', id: 'd', fields: { b: 2 } },
      { msg: 'ready', subs: ['2'] },
      { msg: 'changed', collection: 'c', id: 'd', fields: { shared: 'two' }, cleared: ['a'] },
      { msg: 'nosub', id: '1' },
      { msg: 'removed', collection: 'c', id: 'd' },
      { msg: 'nosub', id: '2' },
    ]);
  });

  it('universal (null) publications run for every session before onConnection, without ready or nosub', async () => {
    const order: string[] = [];
    const { wsUrl } = await start({}, (s) => {
      s.publish(null, function () {
        order.push('universal');
        this.added('meta', 'server', { v: 1 });
        this.ready();
      });
      s.onConnection(() => order.push('onConnection'));
    });
    const c = await RawClient.connect(wsUrl);
    await c.next((m) => m.msg === 'added');
    await delay(10);
    expect(c.messages).toEqual([
      { msg: 'connected', session: c.session, resumeToken: expect.any(String) },
      { msg: 'added', collection: 'meta', id: 'server', fields: { v: 1 } },
    ]);
    expect(order).toEqual(['universal', 'onConnection']);
  });

  it('a sub blocks the queue until its handler returns; setUserId reruns publications and sends only the difference', async () => {
    const { wsUrl } = await start({}, (s) => {
      s.publish('mine', async function () {
        await delay(10);
        this.added('c', 'shared', { v: 1 });
        if (this.userId) this.added('c', `private-${this.userId}`, { owner: this.userId });
        this.ready();
      });
      s.methods({
        login: async function (u) {
          await this.setUserId(u as string);
        },
      });
    });
    const c = await RawClient.connect(wsUrl);
    c.send(sub('s', 'mine'));
    c.send({ msg: 'method', id: 'l', method: 'login', params: ['bob'] });
    await c.next((m) => m.msg === 'result' && m.id === 'l');
    expect(c.messages.slice(1)).toEqual([
      { msg: 'added', collection: 'c', id: 'shared', fields: { v: 1 } },
      { msg: 'ready', subs: ['s'] },
      { msg: 'added', collection: 'c', id: 'private-bob', fields: { owner: 'bob' } },
      { msg: 'updated', methods: ['l'] },
      { msg: 'result', id: 'l' },
    ]);
  });
});
