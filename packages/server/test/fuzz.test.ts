import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

const valid = [
  { msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'] },
  { msg: 'sub', id: 'a', name: 'docs', params: [1] },
  { msg: 'unsub', id: 'a' },
  { msg: 'method', id: '1', method: 'echo', params: [{ $date: 1 }], randomSeed: 'x' },
  { msg: 'ping', id: 'p' },
  { msg: 'pong' },
  { msg: 'disconnect' },
];

// Mutations of valid frames: drop or retype fields, splice characters, nest deeply.
const mutated = fc
  .tuple(fc.constantFrom(...valid), fc.string(), fc.anything(), fc.nat(200))
  .map(([base, key, value, cut]) => {
    const obj: Record<string, unknown> = { ...base, [key || 'msg']: value };
    const text = JSON.stringify(obj) ?? '';
    return cut % 3 === 0 ? text.slice(0, cut) : text;
  });
const frames = fc.oneof(
  fc.string(),
  fc.json(),
  mutated,
  fc.constantFrom(...valid).map((v) => JSON.stringify(v)),
  fc.nat(100).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
);

describe('hostile input', () => {
  it('random and mutated frames never crash the server nor disturb another connection', async () => {
    const { wsUrl, server } = await start({ maxPayloadBytes: 64 * 1024, maxQueuedMessages: 50 }, (s) => {
      s.methods({ echo: (x) => x });
      s.publish('docs', function (n) {
        this.added('c', String(n), { n });
        this.ready();
      });
    });
    const errors: unknown[] = [];
    server.on('error', (e) => errors.push(e.error));
    const bystander = await RawClient.connect(wsUrl);
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 30 }), async (batch) => {
        const c = new RawClient(wsUrl);
        await c.opened;
        for (const f of batch) c.send(f);
        await delay(2);
        c.terminate();
        expect((await bystander.call('echo', ['still here'])).result).toBe('still here');
      }),
      { numRuns: 60 },
    );
    expect(errors).toEqual([]);
  });
});
