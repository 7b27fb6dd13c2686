import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DDPMessage, ejsonEquals, encode, type ParseResult, parse } from '../src/index.js';
import { anyMessage, expectedAfterRoundTrip, messageArbitraries } from './arbitraries.js';

const runs = { numRuns: 200 };

function assertWellFormed(result: ParseResult): void {
  if (result.ok) {
    expect(typeof result.message.msg).toBe('string');
    return;
  }
  // A rejection always carries a reply a server can send as it is.
  expect(typeof result.reason).toBe('string');
  expect(typeof result.detail).toBe('string');
  expect(() => encode(result.reply)).not.toThrow();
  if (result.reply.msg === 'error') expect(result.reply.reason).toBe(result.reason);
  else expect(result.close).toBe(true);
}

describe('property: encode → parse round-trips', () => {
  for (const [type, arbitrary] of Object.entries(messageArbitraries)) {
    it(`${type}`, () => {
      fc.assert(
        fc.property(arbitrary, (message: DDPMessage) => {
          const frame = encode(message);
          const result = parse(frame);
          if (!result.ok) throw new Error(`rejected ${frame}: ${result.kind} ${result.detail}`);
          const expected = expectedAfterRoundTrip(message);
          if (!ejsonEquals(result.message, expected)) {
            throw new Error(`not equal: ${frame}`);
          }
        }),
        runs,
      );
    });
  }

  it('undefined fields come back as own undefined fields', () => {
    fc.assert(
      fc.property(messageArbitraries.changed, (message) => {
        if (message.msg !== 'changed') return;
        const result = parse(encode(message));
        if (!result.ok || result.message.msg !== 'changed') throw new Error('rejected');
        const expected = Object.keys(message.fields ?? {}).sort();
        expect(Object.keys(result.message.fields ?? {}).sort()).toEqual(expected);
      }),
      runs,
    );
  });

  it('accepted frames re-encode to an equal message (parse ∘ encode is stable)', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const once = parse(encode(message));
        if (!once.ok) throw new Error('rejected');
        const twice = parse(encode(once.message));
        if (!twice.ok) throw new Error('rejected on second pass');
        expect(ejsonEquals(twice.message, once.message)).toBe(true);
      }),
      runs,
    );
  });
});

describe('property: encode never throws on valid messages', () => {
  it('any message', () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        expect(typeof encode(message)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: parse never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (text) => {
        assertWellFormed(parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        assertWellFormed(parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('on objects with a real msg and random fields', () => {
    const types = Object.keys(messageArbitraries);
    const object = fc
      .tuple(fc.constantFrom(...types), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }))
      .map(([msg, rest]) => JSON.stringify({ ...rest, msg }));
    const directed = fc.constantFrom('client', 'server', 'any') as fc.Arbitrary<'client' | 'server' | 'any'>;
    fc.assert(
      fc.property(object, directed, (text, from) => {
        assertWellFormed(parse(text, { from }));
      }),
      { numRuns: 1000 },
    );
  });

  it('on mutated valid frames', () => {
    const mutation = fc.oneof(
      // delete a span
      fc.tuple(fc.nat(), fc.nat({ max: 8 })).map(([at, n]) => (s: string) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + s.slice(i + n);
      }),
      // insert text (often JSON punctuation or EJSON keys)
      fc
        .tuple(
          fc.nat(),
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              '{',
              '}',
              '[',
              ']',
              ',',
              ':',
              '"',
              '"$date":',
              '"$type":"x","$value":1',
              'null',
              '"__proto__":{}',
            ),
          ),
        )
        .map(([at, ins]) => (s: string) => {
          const i = at % (s.length + 1);
          return s.slice(0, i) + ins + s.slice(i);
        }),
      // truncate
      fc.nat().map((at) => (s: string) => s.slice(0, at % (s.length + 1))),
    );
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (message, mutations) => {
        const frame = mutations.reduce((s, mutate) => mutate(s), encode(message));
        const result = parse(frame);
        assertWellFormed(result);
        if (result.ok) {
          // Whatever was accepted can be sent again and parses to the same message.
          const again = parse(encode(result.message));
          expect(again.ok && ejsonEquals(again.message, result.message)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('a $date outside the range of a Date', () => {
  // Found by the mutation property above (seed 356381515): EJSON decodes `{"$date": 1.06e298}` into an
  // Invalid Date that encodes as `{"$date": null}`, so the message could not be sent on unchanged.
  it.each([
    '{"msg":"result","id":"1","result":{"$date":1.06e298}}',
    '{"msg":"method","method":"m","id":"1","params":[{"a":[{"$date":-9e15}]}]}',
    '{"msg":"added","collection":"c","id":"1","fields":{"at":{"$date":1e400}}}',
  ])('is refused as bad EJSON: %s', (frame) => {
    const result = parse(frame);
    assertWellFormed(result);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.kind).toBe('bad-ejson');
  });

  it('the largest valid time still parses', () => {
    const result = parse('{"msg":"result","id":"1","result":{"$date":8640000000000000}}');
    expect(result.ok && (result.message as { result: Date }).result.getTime()).toBe(8.64e15);
  });
});
