import { describe, expect, it } from 'vitest';
import { EJSON, parse, type Rejection } from '../src/index.js';

describe('parse: depth limit', () => {
  const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
  it('accepts exactly maxDepth levels (the message is level 1)', () => {
    // message (1) → params array (2) → 62 more arrays = 64 levels
    const text = `{"msg":"method","id":"1","method":"m","params":${nested(63)}}`;
    expect(parse(text).ok).toBe(true);
  });
  it('refuses one level more, without echoing the frame', () => {
    const text = `{"msg":"method","id":"1","method":"m","params":${nested(64)}}`;
    expect(parse(text)).toEqual({
      ok: false,
      reason: 'Bad request',
      kind: 'too-deep',
      detail: 'JSON nests deeper than 64',
      reply: { msg: 'error', reason: 'Bad request' },
      close: false,
    });
  });
  it('honours a custom maxDepth', () => {
    const text = '{"msg":"result","id":"1","result":{"a":{"b":1}}}';
    expect(parse(text, { maxDepth: 3 }).ok).toBe(true);
    expect(!parse(text, { maxDepth: 2 }).ok && (parse(text, { maxDepth: 2 }) as Rejection).kind).toBe(
      'too-deep',
    );
  });
  it('survives 100 000 nested arrays', () => {
    const result = parse(nested(100_000));
    expect(!result.ok && result.kind).toBe('too-deep');
  });
});

describe('parse: pre1 sessions', () => {
  it('treats ping/pong as unknown under pre1, as Meteor does', () => {
    for (const msg of ['ping', 'pong']) {
      const result = parse(`{"msg":"${msg}"}`, { from: 'client', version: 'pre1' });
      expect(!result.ok && [result.reason, result.kind]).toEqual(['Bad request', 'unknown-msg']);
      expect(parse(`{"msg":"${msg}"}`, { from: 'client', version: 'pre2' }).ok).toBe(true);
    }
  });
});

describe('parse: cleared and EJSON', () => {
  it('turns cleared names into undefined fields and drops cleared', () => {
    const result = parse('{"msg":"changed","collection":"c","id":"1","fields":{"a":1},"cleared":["b","c"]}');
    expect(result.ok).toBe(true);
    if (!result.ok || result.message.msg !== 'changed') return;
    expect(result.message).toEqual({ msg: 'changed', collection: 'c', id: '1', fields: { a: 1 } });
    expect(Object.keys(result.message.fields ?? {})).toEqual(['a', 'b', 'c']);
    expect(result.message.fields?.b).toBeUndefined();
    expect('cleared' in result.message).toBe(false);
  });

  it('creates fields when only cleared is present', () => {
    const result = parse('{"msg":"changed","collection":"c","id":"1","cleared":["b"]}');
    if (!result.ok || result.message.msg !== 'changed') throw new Error('expected changed');
    expect(Object.hasOwn(result.message.fields ?? {}, 'b')).toBe(true);
  });

  it('a cleared "__proto__" becomes an own field, not a prototype change', () => {
    const result = parse('{"msg":"changed","collection":"c","id":"1","cleared":["__proto__"]}');
    if (!result.ok || result.message.msg !== 'changed') throw new Error('expected changed');
    const fields = result.message.fields ?? {};
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(['__proto__']);
  });

  it('decodes Date, binary, NaN and $escape in fields, params and result', () => {
    const added = parse(
      '{"msg":"added","collection":"c","id":"1","fields":{"n":1,"bin":{"$binary":"/w=="},"at":{"$date":0}}}',
    );
    expect(added.ok && added.message).toEqual({
      msg: 'added',
      collection: 'c',
      id: '1',
      fields: { n: 1, bin: new Uint8Array([255]), at: new Date(0) },
    });
    const method = parse(
      '{"msg":"method","id":"2","method":"m","params":[{"$date":5},{"$escape":{"$date":1}}]}',
    );
    expect(method.ok && method.message).toEqual({
      msg: 'method',
      id: '2',
      method: 'm',
      params: [new Date(5), { $date: 1 }],
    });
    const result = parse('{"msg":"result","id":"1","result":{"x":{"$InfNaN":0},"y":{"$InfNaN":-1}}}');
    expect(result.ok && result.message).toEqual({
      msg: 'result',
      id: '1',
      result: { x: Number.NaN, y: -Infinity },
    });
  });

  it('refuses cleared beside a fields value that decodes to a non-plain object', () => {
    const result = parse('{"msg":"changed","collection":"c","id":"1","fields":{"$date":0},"cleared":["x"]}');
    expect(!result.ok && [result.reason, result.kind]).toEqual(['Parse error', 'bad-cleared']);
  });

  it('decodes cleared and EJSON together', () => {
    const result = parse(
      '{"msg":"changed","collection":"c","id":"1","fields":{"a":{"$date":0}},"cleared":["b"]}',
    );
    if (!result.ok || result.message.msg !== 'changed') throw new Error('expected changed');
    expect(result.message.fields?.a).toEqual(new Date(0));
    expect(Object.hasOwn(result.message.fields ?? {}, 'b')).toBe(true);
  });

  it('decodes EJSON before applying cleared (an $escape-d fields object survives)', () => {
    // encode({fields: {$date: null, x: undefined}}) gives this frame; Meteor's parseDDP (cleared first)
    // would hand back {$escape: {$date: null}, x: undefined}.
    const result = parse(
      '{"msg":"changed","collection":"c","id":"1","fields":{"$escape":{"$date":null}},"cleared":["x"]}',
    );
    if (!result.ok || result.message.msg !== 'changed') throw new Error('expected changed');
    expect(result.message.fields).toEqual({ $date: null, x: undefined });
    expect(Object.keys(result.message.fields ?? {})).toEqual(['$date', 'x']);
  });

  it('does not decode EJSON anywhere else', () => {
    const text =
      '{"msg":"error","reason":"Bad request","offendingMessage":{"x":{"$date":0}},"extra":{"$binary":"/w=="}}';
    const result = parse(text);
    expect(result).toEqual({ ok: true, message: JSON.parse(text) });
    const nosub = parse('{"msg":"nosub","id":"1","error":{"error":1,"details":{"$date":0}}}');
    expect(nosub.ok && nosub.message).toEqual({
      msg: 'nosub',
      id: '1',
      error: { error: 1, details: { $date: 0 } },
    });
  });

  it('decodes registered custom types', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      typeName() {
        return 'ddpx-test-point';
      }
      toJSONValue() {
        return { x: this.x, y: this.y };
      }
      clone() {
        return new Point(this.x, this.y);
      }
      equals(other: unknown) {
        return other instanceof Point && other.x === this.x && other.y === this.y;
      }
    }
    EJSON.addType('ddpx-test-point', (v) => new Point((v as Point).x, (v as Point).y) as never);
    const result = parse(
      '{"msg":"result","id":"1","result":{"$type":"ddpx-test-point","$value":{"x":1,"y":2}}}',
    );
    expect(result.ok && result.message.msg === 'result' && result.message.result).toEqual(new Point(1, 2));
  });

  it('returns the parsed object untouched on the plain path', () => {
    const result = parse('{"msg":"method","id":"1","method":"m","params":[{"a":[1,2,{"b":null}]}]}');
    expect(result).toEqual({
      ok: true,
      message: { msg: 'method', id: '1', method: 'm', params: [{ a: [1, 2, { b: null }] }] },
    });
  });
});

describe('parse: never throws', () => {
  const weird = [
    '\u0000',
    '{"msg":"connect","support":null}',
    '{"msg":"changed","cleared":null}',
    '{"msg":{"toString":1}}',
    '{"msg":["ping"]}',
    '{"__proto__":{"msg":"ping"}}',
    '{"msg":"added","collection":"c","id":"1","fields":{"__proto__":{"$date":1}}}',
  ];
  for (const text of weird) {
    it(JSON.stringify(text), () => {
      expect(() => parse(text)).not.toThrow();
      expect(parse(text).ok).toBe(false);
    });
  }
  it('a non-object $escape decodes as EJSON does (to {})', () => {
    const result = parse('{"msg":"method","params":[{"$escape":5}],"id":"1","method":"m"}');
    expect(result.ok && result.message).toEqual({ msg: 'method', params: [{}], id: '1', method: 'm' });
  });
  it('non-string input', () => {
    for (const input of [undefined, null, 5, {}, Symbol('x')]) {
      const result = parse(input as unknown as string);
      expect(result.ok).toBe(false);
    }
  });
});
