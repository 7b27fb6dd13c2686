import { describe, expect, it } from 'vitest';
import { DDPError, type DDPMessage, DepthError, encode, parse } from '../src/index.js';

describe('encode: plain messages', () => {
  const frames: Array<[DDPMessage, string]> = [
    [{ msg: 'ping' }, '{"msg":"ping"}'],
    [{ msg: 'ping', id: '1' }, '{"msg":"ping","id":"1"}'],
    [{ msg: 'pong', id: undefined }, '{"msg":"pong"}'],
    [
      { msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'] },
      '{"msg":"connect","version":"1","support":["1","pre2","pre1"]}',
    ],
    [
      { msg: 'method', method: 'm', id: '2', params: [new Date(0)] },
      '{"msg":"method","method":"m","id":"2","params":[{"$date":0}]}',
    ],
    [
      { msg: 'added', collection: 'c', id: '1', fields: { n: 1, bin: new Uint8Array([255]) } },
      '{"msg":"added","collection":"c","id":"1","fields":{"n":1,"bin":{"$binary":"/w=="}}}',
    ],
    [{ msg: 'result', id: '1' }, '{"msg":"result","id":"1"}'],
    [{ msg: 'result', id: '1', result: undefined }, '{"msg":"result","id":"1"}'],
    [{ msg: 'result', id: '1', result: null }, '{"msg":"result","id":"1","result":null}'],
    [{ msg: 'disconnect' }, '{"msg":"disconnect"}'],
  ];
  for (const [message, frame] of frames) {
    it(frame, () => expect(encode(message)).toBe(frame));
  }
});

describe('encode: cleared conversion', () => {
  it('moves undefined fields into cleared', () => {
    const message: DDPMessage = {
      msg: 'changed',
      collection: 'c',
      id: '1',
      fields: { a: new Date(0), b: undefined },
    };
    expect(encode(message)).toBe(
      '{"msg":"changed","collection":"c","id":"1","fields":{"a":{"$date":0}},"cleared":["b"]}',
    );
    // The input is left untouched.
    expect(Object.hasOwn(message.fields ?? {}, 'b')).toBe(true);
    expect('cleared' in message).toBe(false);
    expect(message.fields?.a).toBeInstanceOf(Date);
  });

  it('drops fields emptied by the conversion', () => {
    expect(encode({ msg: 'changed', collection: 'c', id: '1', fields: { a: undefined } })).toBe(
      '{"msg":"changed","collection":"c","id":"1","cleared":["a"]}',
    );
  });

  it('sends an added with {} fields without a fields key', () => {
    expect(encode({ msg: 'added', collection: 'c', id: '1', fields: {} })).toBe(
      '{"msg":"added","collection":"c","id":"1"}',
    );
  });

  it('merges with an explicit cleared, without duplicates', () => {
    expect(
      encode({
        msg: 'changed',
        collection: 'c',
        id: '1',
        fields: { a: undefined, b: 1 },
        cleared: ['x', 'a'],
      }),
    ).toBe('{"msg":"changed","collection":"c","id":"1","fields":{"b":1},"cleared":["x","a"]}');
    expect(encode({ msg: 'changed', collection: 'c', id: '1', cleared: ['x'] })).toBe(
      '{"msg":"changed","collection":"c","id":"1","cleared":["x"]}',
    );
  });

  it('round-trips through parse', () => {
    const parsed = parse(
      encode({ msg: 'changed', collection: 'c', id: '1', fields: { a: 1, b: undefined } }),
    );
    if (!parsed.ok || parsed.message.msg !== 'changed') throw new Error('expected changed');
    expect(Object.keys(parsed.message.fields ?? {})).toEqual(['a', 'b']);
    expect(parsed.message.fields).toEqual({ a: 1, b: undefined });
  });
});

describe('encode: EJSON', () => {
  it('encodes Date, Uint8Array, NaN and ±Infinity', () => {
    expect(
      encode({
        msg: 'result',
        id: '1',
        result: { d: new Date(5), b: new Uint8Array([1, 2, 3]), n: Number.NaN },
      }),
    ).toBe('{"msg":"result","id":"1","result":{"d":{"$date":5},"b":{"$binary":"AQID"},"n":{"$InfNaN":0}}}');
    // The fast path must not turn a lone NaN into null.
    expect(encode({ msg: 'method', method: 'm', id: '1', params: [Infinity, -Infinity] })).toBe(
      '{"msg":"method","method":"m","id":"1","params":[{"$InfNaN":1},{"$InfNaN":-1}]}',
    );
  });

  it('escapes user objects that look like EJSON', () => {
    expect(encode({ msg: 'method', method: 'm', id: '1', params: [{ $date: 1 }] })).toBe(
      '{"msg":"method","method":"m","id":"1","params":[{"$escape":{"$date":1}}]}',
    );
    const back = parse(encode({ msg: 'result', id: '1', result: { $binary: 'x', $type: 'y' } }));
    expect(back.ok && back.message.msg === 'result' && back.message.result).toEqual({
      $binary: 'x',
      $type: 'y',
    });
  });

  it('leaves other top-level keys as plain JSON', () => {
    expect(encode({ msg: 'error', reason: 'Bad request', offendingMessage: { at: new Date(0) } })).toBe(
      '{"msg":"error","reason":"Bad request","offendingMessage":{"at":"1970-01-01T00:00:00.000Z"}}',
    );
  });

  it('sends a DDPError in result.error with Meteor.Error wire shape', () => {
    const error = new DDPError(404, "Method 'x' not found");
    expect(JSON.parse(encode({ msg: 'result', id: '1', error }))).toEqual({
      msg: 'result',
      id: '1',
      error: {
        isClientSafe: true,
        error: 404,
        reason: "Method 'x' not found",
        message: "Method 'x' not found [404]",
        errorType: 'Meteor.Error',
      },
    });
  });

  it('does not copy plain messages (returns JSON.stringify of the input)', () => {
    const message: DDPMessage = { msg: 'method', method: 'm', id: '1', params: [{ a: 1 }] };
    expect(encode(message)).toBe(JSON.stringify(message));
  });
});

describe('encode: misuse', () => {
  it('throws TypeError on a numeric id', () => {
    expect(() => encode({ msg: 'method', method: 'm', id: 5 } as unknown as DDPMessage)).toThrow(TypeError);
  });
  it('throws TypeError on an object id', () => {
    expect(() => encode({ msg: 'sub', name: 'n', id: { a: 1 } } as unknown as DDPMessage)).toThrow(
      /id must be a string, got object/,
    );
  });
  it('throws TypeError on a null id', () => {
    expect(() => encode({ msg: 'unsub', id: null } as unknown as DDPMessage)).toThrow(/got null/);
  });
  it('throws TypeError without a string msg', () => {
    expect(() => encode({} as DDPMessage)).toThrow(TypeError);
    expect(() => encode(null as unknown as DDPMessage)).toThrow(TypeError);
  });
  it('allows ping without an id', () => {
    expect(encode({ msg: 'ping' })).toBe('{"msg":"ping"}');
  });
  it('refuses values nested deeper than maxDepth (parse would refuse the frame)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    // The message (level 1) + 63 nested arrays = 64 levels is fine; 64 arrays is one too many.
    expect(() => encode({ msg: 'method', method: 'm', id: '1', params: deep as unknown[] })).toThrow(
      DepthError,
    );
    const ok = (deep as unknown[])[0] as unknown[];
    const frame = encode({ msg: 'method', method: 'm', id: '1', params: ok });
    expect(parse(frame).ok).toBe(true);
    expect(() =>
      encode({ msg: 'method', method: 'm', id: '1', params: deep as unknown[] }, { maxDepth: 100 }),
    ).not.toThrow();
  });
  it('counts the levels $escape adds', () => {
    let deep: unknown = { $date: 1 };
    for (let i = 0; i < 62; i++) deep = [deep];
    // 62 arrays + the escaped object at level 65 once `$escape` wraps it.
    expect(() => encode({ msg: 'result', id: '1', result: deep })).toThrow(DepthError);
  });
  it('stops a cyclic value with DepthError instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encode({ msg: 'result', id: '1', result: cyclic })).toThrow(DepthError);
    const error = (() => {
      try {
        encode({ msg: 'result', id: '1', result: cyclic });
      } catch (e) {
        return e as DepthError;
      }
    })();
    expect(error?.code).toBe('DDP_TOO_DEEP');
    expect(error).toBeInstanceOf(RangeError);
  });
});
