import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultRateLimitMessage,
  RateLimiter,
  type RateLimitInput,
  type RateLimitMatcher,
  type RateLimitReply,
} from '../src/rateLimiter.js';
import { RawClient, start, stopAll } from './helpers.js';

// The cases of Meteor's `rate-limit` and `ddp-rate-limiter` tests, restated over ddpx's input shape,
// with a hand-driven clock so nothing sleeps.

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

function input(over: Partial<RateLimitInput> = {}): RateLimitInput {
  return {
    type: 'method',
    name: 'login',
    userId: null,
    connectionId: 'c1',
    clientAddress: '10.0.0.1',
    ...over,
  };
}

/** Counts `n` calls of `x` (each call counted then decided, as the server does) and returns the last reply. */
function call(r: RateLimiter, x: RateLimitInput, n = 1): RateLimitReply {
  let last: RateLimitReply | undefined;
  for (let i = 0; i < n; i++) last = r.check(x);
  return last!;
}

describe('RateLimiter (Meteor rate-limit semantics)', () => {
  it('allows everything when it has no rules', () => {
    const r = new RateLimiter();
    expect(call(r, input(), 100)).toEqual({ allowed: true, timeToReset: 0, numInvocationsLeft: Infinity });
    expect(r.ruleCount).toBe(0);
  });

  it('limits only the inputs its matcher selects', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ userId: 'u1' }, 1, 1000);
    const u1 = input({ userId: 'u1' });
    const u2 = input({ userId: 'u2' });
    for (let i = 0; i < 2; i++) {
      r.increment(u1);
      r.increment(u2);
    }
    expect(r.evaluate(u1).allowed).toBe(false);
    expect(r.evaluate(u2).allowed).toBe(true);
  });

  it('refuses on the call after the allowance, not on the last allowed one', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ name: 'login' }, 3, 1000);
    const replies = [1, 2, 3, 4, 5].map(() => r.check(input()).allowed);
    expect(replies).toEqual([true, true, true, false, false]);
  });

  it('resets every counter of a rule once more than its interval has passed', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ userId: 'u1' }, 1, 500);
    const u1 = input({ userId: 'u1' });
    const u2 = input({ userId: 'u2' });
    r.increment(u1, 0);
    r.increment(u1, 0);
    expect(r.evaluate(u1, 0).allowed).toBe(false);
    // Meteor resets when the time since the last reset is strictly above the interval.
    expect(r.evaluate(u1, 500).allowed).toBe(false);
    c.t = 1000;
    for (let i = 0; i < 100; i++) r.increment(u2);
    expect(r.evaluate(u1).allowed).toBe(true);
    expect(r.evaluate(u2).allowed).toBe(true);
  });

  it('refuses when any one of several matching rules is over its allowance', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ name: 'login' }, 10, 100);
    r.addRule({ userId: (id) => id !== null && Number(id.slice(1)) % 2 === 0 }, 4, 100);
    const one = input({ userId: 'u1' });
    const two = input({ userId: 'u2' });
    const three = input({ userId: 'u3', name: 'test' });
    for (let i = 0; i < 5; i++) {
      r.increment(one);
      r.increment(two);
      r.increment(three);
    }
    // Ten logins so far: at the login allowance, not above it.
    expect(r.evaluate(one).allowed).toBe(true);
    // u2 is even: five calls are above that rule's four.
    expect(r.evaluate(two).allowed).toBe(false);
    expect(r.evaluate(two).allowed).toBe(false);
    r.increment(one); // the eleventh login
    expect(r.evaluate(one).allowed).toBe(false);
    // u3's `test` calls match neither rule.
    expect(r.evaluate(three).allowed).toBe(true);
  });

  it('shares one bucket between inputs that differ only in keys the matcher leaves out', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ name: 'login', userId: null }, 10, 10_000);
    const one = input({ userId: 'u1' });
    const two = input({ userId: 'u2' });
    for (let i = 0; i < 5; i++) {
      r.increment(one);
      r.increment(two);
    }
    r.increment(one);
    expect(r.evaluate(one).allowed).toBe(false);
    expect(r.evaluate(two).allowed).toBe(false);
  });

  it('an empty matcher is one global bucket over every connection, address and name', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({}, 1, 10_000);
    const a = input({ userId: 'u1', name: 'login' });
    const b = input({ userId: 'u2', name: 'test', clientAddress: '10.0.0.2', connectionId: 'c2' });
    const c = input({ userId: 'u3', name: 'user-accounts', type: 'subscription' });
    r.increment(b);
    expect([a, b, c].map((x) => r.evaluate(x).allowed)).toEqual([true, true, true]);
    r.increment(c);
    expect([a, b, c].map((x) => r.evaluate(x).allowed)).toEqual([false, false, false]);
  });

  it('a rule whose keys do not all match never counts the input', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ type: 'subscription', name: (n) => n.startsWith('admin.') }, 1, 10_000);
    const methodCall = input({ name: 'admin.users' });
    const otherSub = input({ type: 'subscription', name: 'public' });
    const adminSub = input({ type: 'subscription', name: 'admin.users' });
    expect(call(r, methodCall, 5).allowed).toBe(true);
    expect(call(r, otherSub, 5).allowed).toBe(true);
    expect(call(r, adminSub, 2).allowed).toBe(false);
    expect(r.bucketCount).toBe(1);
  });

  it('keeps a bucket per value of each matched key: per connection vs global', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ type: 'method', name: 'chat', connectionId: () => true }, 2, 1000);
    r.addRule({ type: 'method', name: 'search' }, 2, 1000);
    const chat = (connectionId: string) => input({ name: 'chat', connectionId });
    const search = (connectionId: string) => input({ name: 'search', connectionId });
    expect(call(r, chat('a'), 2).allowed).toBe(true);
    expect(call(r, chat('b'), 2).allowed).toBe(true);
    expect(r.check(chat('a')).allowed).toBe(false);
    expect(r.check(chat('c')).allowed).toBe(true);
    expect(call(r, search('a'), 2).allowed).toBe(true);
    expect(r.check(search('b')).allowed).toBe(false);
  });

  it('reports the time to the reset and the calls left, from the fewest-left rule', () => {
    const c = clock(1_000);
    const r = new RateLimiter({ now: c.now });
    r.addRule({ name: 'login' }, 5, 1000);
    r.addRule({ userId: 'u1' }, 3, 4000);
    c.t = 1_250;
    expect(r.check(input({ userId: 'u1' }))).toEqual({
      allowed: true,
      timeToReset: 3750,
      numInvocationsLeft: 2,
    });
    expect(r.check(input({ userId: 'u2' }))).toEqual({
      allowed: true,
      timeToReset: 750,
      numInvocationsLeft: 3,
    });
    c.t = 1_400;
    call(r, input({ userId: 'u1' }), 2);
    expect(r.check(input({ userId: 'u1' }))).toEqual({
      allowed: false,
      timeToReset: 3600,
      numInvocationsLeft: 0,
    });
  });

  it('when several rules refuse, reports the longest wait', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ name: 'login', userId: (id) => id === 'u3' }, 1, 10_000);
    c.t = 40;
    r.addRule({ name: 'login', userId: 'u3', connectionId: 'c1' }, 1, 10);
    const x = input({ userId: 'u3' });
    r.increment(x);
    r.increment(x);
    c.t = 45;
    expect(r.evaluate(x)).toEqual({ allowed: false, timeToReset: 9955, numInvocationsLeft: 0 });
  });

  it('after a reset, reports the full interval and the full allowance', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ name: 'login' }, 2, 1000);
    call(r, input(), 3);
    c.t = 5000;
    expect(r.evaluate(input())).toEqual({ allowed: true, timeToReset: 1000, numInvocationsLeft: 2 });
  });

  it('removeRule drops the rule and any limit it had reached', () => {
    const r = new RateLimiter({ now: clock().now });
    const id = r.addRule({ name: 'login' }, 1, 60_000);
    const other = r.addRule({ name: 'other' }, 1, 60_000);
    expect(id).not.toBe(other);
    expect(call(r, input(), 2).allowed).toBe(false);
    expect(r.removeRule(id)).toBe(true);
    expect(r.removeRule(id)).toBe(false);
    expect(r.removeRule('no-such-rule')).toBe(false);
    expect(r.check(input()).allowed).toBe(true);
    expect(r.ruleCount).toBe(1);
  });

  it('calls a rule callback on every input the rule matches, with the reply so far and the input', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    const seen: [RateLimitReply, RateLimitInput][] = [];
    r.addRule({ name: 'login' }, 1, 1000, (reply, x) => seen.push([reply, x]));
    const x = input();
    r.check(x);
    r.check(input({ name: 'other' }));
    c.t = 100;
    r.check(x);
    expect(seen).toEqual([
      [{ allowed: true, timeToReset: 1000, numInvocationsLeft: 0 }, x],
      [{ allowed: false, timeToReset: 900, numInvocationsLeft: 0 }, x],
    ]);
  });

  it('a throwing callback is reported and does not stop the check', () => {
    const errors: unknown[] = [];
    const r = new RateLimiter({ now: clock().now, onCallbackError: (e) => errors.push(e) });
    r.addRule({ name: 'login' }, 1, 1000, () => {
      throw new Error('boom');
    });
    r.addRule({ userId: null }, 1, 1000);
    expect(r.check(input()).allowed).toBe(true);
    expect(r.check(input()).allowed).toBe(false);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'boom']);
  });

  it("takes Meteor's defaults (10 per second) for a zero or missing allowance and interval", () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ name: 'login' }, 0, 0);
    expect(call(r, input(), 10)).toEqual({ allowed: true, timeToReset: 1000, numInvocationsLeft: 0 });
    expect(r.check(input()).allowed).toBe(false);
    c.t = 1001;
    expect(r.check(input()).allowed).toBe(true);
  });

  it("sends Meteor's too-many-requests error with its text and details.timeToReset", () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ name: 'login' }, 1, 10_000);
    const reply = call(r, input(), 2);
    const wire = r.errorFor(reply).toWire();
    expect(wire).toMatchObject({
      error: 'too-many-requests',
      reason: 'Error, too many requests. Please slow down. You must wait 10 seconds before trying again.',
      details: { timeToReset: 10_000 },
      errorType: 'Meteor.Error',
      isClientSafe: true,
    });
    expect(defaultRateLimitMessage({ allowed: false, timeToReset: 1, numInvocationsLeft: 0 })).toContain(
      'wait 1 seconds',
    );
    r.setErrorMessage('Slow down');
    expect(r.errorFor(reply).reason).toBe('Slow down');
    r.setErrorMessage((x) => `wait ${x.timeToReset} ms`);
    expect(r.errorFor(reply).reason).toBe('wait 10000 ms');
    expect(() => r.setErrorMessage(42 as unknown as string)).toThrow(TypeError);
  });

  it('holds at most the buckets counted in one interval, and drops them at the reset', () => {
    const c = clock();
    const r = new RateLimiter({ now: c.now });
    r.addRule({ connectionId: () => true }, 5, 1000);
    for (let i = 0; i < 10_000; i++) r.check(input({ connectionId: `c${i}` }));
    expect(r.bucketCount).toBe(10_000);
    c.t = 1001;
    r.check(input({ connectionId: 'late' }));
    expect(r.bucketCount).toBe(1);
  });

  it('treats hostile names as plain data', () => {
    const r = new RateLimiter({ now: clock().now });
    r.addRule({ name: () => true }, 1, 1000);
    for (const name of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty']) {
      expect(call(r, input({ name }), 2).allowed).toBe(false);
    }
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(r.bucketCount).toBe(4);
  });

  it('throws at once on misuse', () => {
    const r = new RateLimiter();
    expect(() => r.addRule(null as unknown as unknown as RateLimitMatcher)).toThrow(TypeError);
    expect(() => r.addRule({ IPAddr: '1.2.3.4' } as unknown as RateLimitMatcher)).toThrow(TypeError);
    expect(() => r.addRule({ userId: null, IPAddr: null } as unknown as RateLimitMatcher)).not.toThrow();
    expect(() => r.addRule({}, -1, 1000)).toThrow(RangeError);
    expect(() => r.addRule({}, 1, 1000, 'x' as unknown as () => void)).toThrow(TypeError);
    expect(() => new RateLimiter({ now: 5 as unknown as () => number })).toThrow(TypeError);
  });
});

describe('RateLimiter over a real server', () => {
  afterEach(stopAll);

  it("a refused call reaches the client as Meteor's too-many-requests error, per connection", async () => {
    const limiter = new RateLimiter();
    limiter.addRule({ type: 'method', name: 'limited', connectionId: () => true }, 2, 10_000);
    const { wsUrl } = await start({}, (server) =>
      server.methods({
        limited() {
          const reply = limiter.check({
            type: 'method',
            name: 'limited',
            userId: this.userId,
            connectionId: this.connection.id,
            clientAddress: this.connection.clientAddress,
          });
          if (!reply.allowed) throw limiter.errorFor(reply);
          return reply.numInvocationsLeft;
        },
      }),
    );
    const a = await RawClient.connect(wsUrl);
    const b = await RawClient.connect(wsUrl);
    expect((await a.call('limited')).result).toBe(1);
    expect((await a.call('limited')).result).toBe(0);
    const refused = (await a.call('limited')).error as Record<string, unknown>;
    expect(refused).toMatchObject({
      error: 'too-many-requests',
      errorType: 'Meteor.Error',
      isClientSafe: true,
    });
    const { timeToReset } = refused.details as { timeToReset: number };
    expect(timeToReset).toBeGreaterThan(0);
    expect(timeToReset).toBeLessThanOrEqual(10_000);
    expect(refused.reason).toBe(
      `Error, too many requests. Please slow down. You must wait ${Math.ceil(timeToReset / 1000)} seconds before trying again.`,
    );
    // Another connection has its own bucket.
    expect((await b.call('limited')).result).toBe(1);
  });
});
