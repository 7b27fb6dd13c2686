import { describe, expect, it } from 'vitest';
import { type DDPMessage, parse, type Rejection } from '../src/index.js';

type From = 'client' | 'server' | 'any';

// Every message type, valid, with the directions that may send it.
const valid: Array<[string, From[], DDPMessage]> = [
  ['connect', ['client', 'any'], { msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'] }],
  [
    'connect + session + receivedCount (3.5)',
    ['client', 'any'],
    { msg: 'connect', version: 'pre2', support: ['pre2'], session: 'sess', receivedCount: 12 },
  ],
  ['connected', ['server', 'any'], { msg: 'connected', session: 'abc' }],
  ['failed', ['server', 'any'], { msg: 'failed', version: 'pre1' }],
  ['ping', ['client', 'server', 'any'], { msg: 'ping' }],
  ['ping + id', ['client', 'server', 'any'], { msg: 'ping', id: 'x' }],
  ['pong', ['client', 'server', 'any'], { msg: 'pong' }],
  ['pong + id', ['client', 'server', 'any'], { msg: 'pong', id: 'x' }],
  ['sub', ['client', 'any'], { msg: 'sub', id: 's1', name: 'tasks', params: [1, 'a'] }],
  ['sub without params', ['client', 'any'], { msg: 'sub', id: 's1', name: 'tasks' }],
  ['unsub', ['client', 'any'], { msg: 'unsub', id: 's1' }],
  ['nosub', ['server', 'any'], { msg: 'nosub', id: 's1' }],
  [
    'nosub + error',
    ['server', 'any'],
    { msg: 'nosub', id: 's1', error: { error: 404, reason: 'nope', errorType: 'Meteor.Error' } },
  ],
  ['added', ['server', 'any'], { msg: 'added', collection: 'c', id: 'd', fields: { a: 1 } }],
  ['added without fields', ['server', 'any'], { msg: 'added', collection: 'c', id: 'd' }],
  ['changed', ['server', 'any'], { msg: 'changed', collection: 'c', id: 'd', fields: { a: 2 } }],
  ['removed', ['server', 'any'], { msg: 'removed', collection: 'c', id: 'd' }],
  ['ready', ['server', 'any'], { msg: 'ready', subs: ['s1', 's2'] }],
  ['ready (empty)', ['server', 'any'], { msg: 'ready', subs: [] }],
  [
    'addedBefore',
    ['server', 'any'],
    { msg: 'addedBefore', collection: 'c', id: 'd', fields: { a: 1 }, before: 'e' },
  ],
  [
    'addedBefore (null before)',
    ['server', 'any'],
    { msg: 'addedBefore', collection: 'c', id: 'd', before: null },
  ],
  ['movedBefore', ['server', 'any'], { msg: 'movedBefore', collection: 'c', id: 'd', before: null }],
  [
    'method',
    ['client', 'any'],
    { msg: 'method', method: 'add', params: [1, 2], id: '1', randomSeed: '0123456789abcdef0123' },
  ],
  ['method without params/seed', ['client', 'any'], { msg: 'method', method: 'add', id: '2' }],
  ['result', ['server', 'any'], { msg: 'result', id: '1', result: { ok: true } }],
  ['result (no result: undefined return)', ['server', 'any'], { msg: 'result', id: '1' }],
  [
    'result + error',
    ['server', 'any'],
    { msg: 'result', id: '1', error: { error: 'not-authorized', reason: 'no', errorType: 'Meteor.Error' } },
  ],
  ['updated', ['server', 'any'], { msg: 'updated', methods: ['1', '2'] }],
  ['error', ['server', 'any'], { msg: 'error', reason: 'Bad request' }],
  [
    'error + offendingMessage',
    ['server', 'any'],
    { msg: 'error', reason: 'Bad request', offendingMessage: { foo: 1 } },
  ],
  ['disconnect (3.5)', ['client', 'any'], { msg: 'disconnect' }],
];

describe('parse: valid messages', () => {
  for (const [name, directions, message] of valid) {
    for (const from of ['client', 'server', 'any'] as const) {
      const allowed = directions.includes(from);
      it(`${name} from ${from}: ${allowed ? 'accepted' : "rejected as 'Bad request' unknown-msg"}`, () => {
        const result = parse(JSON.stringify(message), { from });
        if (allowed) {
          expect(result).toEqual({ ok: true, message });
        } else {
          expect(result).toEqual({
            ok: false,
            reason: 'Bad request',
            kind: 'unknown-msg',
            detail: expect.stringContaining(message.msg),
            offendingMessage: message,
            reply: { msg: 'error', reason: 'Bad request', offendingMessage: message },
            close: false,
          });
        }
      });
    }
  }

  it('defaults to from: any', () => {
    expect(parse('{"msg":"sub","id":"a","name":"n"}').ok).toBe(true);
    expect(parse('{"msg":"added","collection":"c","id":"a"}').ok).toBe(true);
  });

  it('keeps fields it does not know (forward compatibility)', () => {
    const result = parse('{"msg":"ping","id":"1","extra":{"x":[1]}}');
    expect(result).toEqual({ ok: true, message: { msg: 'ping', id: '1', extra: { x: [1] } } });
  });
});

// [name, text, options, reason, kind, echoes offendingMessage]
const invalid: Array<[string, string, From, Rejection['reason'], Rejection['kind'], boolean]> = [
  ['invalid JSON', '{"msg":', 'any', 'Bad request', 'invalid-json', false],
  ['empty text', '', 'any', 'Bad request', 'invalid-json', false],
  ['JSON null', 'null', 'any', 'Bad request', 'not-object', false],
  ['JSON number', '42', 'any', 'Bad request', 'not-object', false],
  ['JSON string', '"connect"', 'any', 'Bad request', 'not-object', false],
  ['JSON boolean', 'true', 'any', 'Bad request', 'not-object', false],
  ['JSON array (Meteor echoes it)', '[1,2]', 'any', 'Bad request', 'no-msg', true],
  ['object without msg', '{"id":"1"}', 'any', 'Bad request', 'no-msg', true],
  ['server hello', '{"server_id":"0"}', 'server', 'Bad request', 'no-msg', true],
  ['empty msg', '{"msg":""}', 'any', 'Bad request', 'no-msg', true],
  ['msg null', '{"msg":null}', 'any', 'Bad request', 'no-msg', true],
  ['msg number', '{"msg":5}', 'any', 'Bad request', 'unknown-msg', true],
  ['unknown msg', '{"msg":"hello"}', 'any', 'Bad request', 'unknown-msg', true],
  ['inherited property name as msg', '{"msg":"toString"}', 'any', 'Bad request', 'unknown-msg', true],
  ['msg __proto__-like name', '{"msg":"constructor"}', 'client', 'Bad request', 'unknown-msg', true],
  [
    'sub: numeric id',
    '{"msg":"sub","id":1,"name":"n"}',
    'client',
    'Malformed subscription',
    'bad-field',
    true,
  ],
  ['sub: missing id', '{"msg":"sub","name":"n"}', 'client', 'Malformed subscription', 'bad-field', true],
  [
    'sub: numeric name',
    '{"msg":"sub","id":"1","name":2}',
    'client',
    'Malformed subscription',
    'bad-field',
    true,
  ],
  [
    'sub: object params',
    '{"msg":"sub","id":"1","name":"n","params":{}}',
    'client',
    'Malformed subscription',
    'bad-field',
    true,
  ],
  [
    'sub: null params',
    '{"msg":"sub","id":"1","name":"n","params":null}',
    'client',
    'Malformed subscription',
    'bad-field',
    true,
  ],
  [
    'method: numeric id',
    '{"msg":"method","id":1,"method":"m"}',
    'client',
    'Malformed method invocation',
    'bad-field',
    true,
  ],
  [
    'method: missing method',
    '{"msg":"method","id":"1"}',
    'client',
    'Malformed method invocation',
    'bad-field',
    true,
  ],
  [
    'method: string params',
    '{"msg":"method","id":"1","method":"m","params":"x"}',
    'client',
    'Malformed method invocation',
    'bad-field',
    true,
  ],
  [
    'method: numeric randomSeed',
    '{"msg":"method","id":"1","method":"m","randomSeed":5}',
    'client',
    'Malformed method invocation',
    'bad-field',
    true,
  ],
  [
    'method: null randomSeed',
    '{"msg":"method","id":"1","method":"m","randomSeed":null}',
    'client',
    'Malformed method invocation',
    'bad-field',
    true,
  ],
  ['unsub: numeric id', '{"msg":"unsub","id":3}', 'client', 'Bad request', 'bad-field', true],
  ['unsub: missing id', '{"msg":"unsub"}', 'client', 'Bad request', 'bad-field', true],
  ['ping: numeric id', '{"msg":"ping","id":3}', 'client', 'Bad request', 'bad-field', true],
  ['pong: object id', '{"msg":"pong","id":{}}', 'server', 'Bad request', 'bad-field', true],
  ['connected: no session', '{"msg":"connected"}', 'server', 'Bad request', 'bad-field', true],
  ['failed: numeric version', '{"msg":"failed","version":1}', 'server', 'Bad request', 'bad-field', true],
  ['nosub: numeric id', '{"msg":"nosub","id":1}', 'server', 'Bad request', 'bad-field', true],
  ['nosub: string error', '{"msg":"nosub","id":"1","error":"x"}', 'server', 'Bad request', 'bad-field', true],
  ['added: no collection', '{"msg":"added","id":"1"}', 'server', 'Bad request', 'bad-field', true],
  [
    'added: numeric id',
    '{"msg":"added","collection":"c","id":1}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  [
    'added: array fields',
    '{"msg":"added","collection":"c","id":"1","fields":[1]}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  [
    'added: fields is an EJSON Date',
    '{"msg":"added","collection":"c","id":"1","fields":{"$date":0}}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  [
    'changed: null fields',
    '{"msg":"changed","collection":"c","id":"1","fields":null}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  [
    'removed: numeric collection',
    '{"msg":"removed","collection":1,"id":"1"}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  ['ready: string subs', '{"msg":"ready","subs":"s1"}', 'server', 'Bad request', 'bad-field', true],
  ['ready: numeric sub id', '{"msg":"ready","subs":[1]}', 'server', 'Bad request', 'bad-field', true],
  [
    'addedBefore: missing before',
    '{"msg":"addedBefore","collection":"c","id":"1"}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  [
    'movedBefore: numeric before',
    '{"msg":"movedBefore","collection":"c","id":"1","before":2}',
    'server',
    'Bad request',
    'bad-field',
    true,
  ],
  ['result: numeric id', '{"msg":"result","id":1,"result":2}', 'server', 'Bad request', 'bad-field', true],
  ['result: array error', '{"msg":"result","id":"1","error":[]}', 'server', 'Bad request', 'bad-field', true],
  ['updated: missing methods', '{"msg":"updated"}', 'server', 'Bad request', 'bad-field', true],
  ['error: missing reason', '{"msg":"error"}', 'server', 'Bad request', 'bad-field', true],
  [
    'bad EJSON in params',
    '{"msg":"method","id":"1","method":"m","params":[{"$type":"nope","$value":1}]}',
    'client',
    'Parse error',
    'bad-ejson',
    false,
  ],
  [
    'bad EJSON in fields',
    '{"msg":"added","collection":"c","id":"1","fields":{"b":{"$binary":5}}}',
    'server',
    'Parse error',
    'bad-ejson',
    false,
  ],
  [
    'bad EJSON in result',
    '{"msg":"result","id":"1","result":{"$regexp":"(","$flags":""}}',
    'server',
    'Parse error',
    'bad-ejson',
    false,
  ],
  [
    'bad EJSON wins over a bad field (Meteor decodes first)',
    '{"msg":"sub","id":5,"name":"n","params":[{"$type":"nope","$value":1}]}',
    'client',
    'Parse error',
    'bad-ejson',
    false,
  ],
  [
    'bad EJSON wins over a missing msg',
    '{"params":[{"$type":"nope","$value":1}]}',
    'client',
    'Parse error',
    'bad-ejson',
    false,
  ],
  [
    'cleared not an array',
    '{"msg":"changed","collection":"c","id":"1","cleared":5}',
    'server',
    'Parse error',
    'bad-cleared',
    false,
  ],
  [
    'cleared with a non-string',
    '{"msg":"changed","collection":"c","id":"1","cleared":["a",1]}',
    'server',
    'Parse error',
    'bad-cleared',
    false,
  ],
  [
    'cleared with non-object fields',
    '{"msg":"changed","collection":"c","id":"1","fields":3,"cleared":["a"]}',
    'server',
    'Parse error',
    'bad-cleared',
    false,
  ],
  [
    '__proto__ key in params',
    '{"msg":"method","id":"1","method":"m","params":[{"__proto__":{"admin":true}}]}',
    'client',
    'Bad request',
    'forbidden-key',
    true,
  ],
  [
    '__proto__ key at top level',
    '{"msg":"ping","__proto__":{}}',
    'client',
    'Bad request',
    'forbidden-key',
    true,
  ],
];

describe('parse: invalid input (§1.4)', () => {
  for (const [name, text, from, reason, kind, echoes] of invalid) {
    it(`${name} → ${reason} (${kind})${echoes ? ' + offendingMessage' : ''}`, () => {
      const result = parse(text, { from });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe(reason);
      expect(result.kind).toBe(kind);
      expect(result.close).toBe(false);
      expect(result.detail).toEqual(expect.any(String));
      if (echoes) {
        const offending = JSON.parse(text);
        expect(result.offendingMessage).toEqual(offending);
        expect(result.reply).toEqual({ msg: 'error', reason, offendingMessage: offending });
        expect(Object.keys(result.reply)).toEqual(['msg', 'reason', 'offendingMessage']);
      } else {
        expect('offendingMessage' in result).toBe(false);
        expect(result.reply).toEqual({ msg: 'error', reason });
        expect('offendingMessage' in result.reply).toBe(false);
      }
    });
  }

  it('names the failing field in detail', () => {
    const result = parse('{"msg":"method","id":"1","method":"m","randomSeed":5}');
    expect(!result.ok && result.detail).toBe('randomSeed must be a string');
  });
});

describe('parse: malformed connect → failed + close', () => {
  const cases: Array<[string, string, string]> = [
    ['numeric version', '{"msg":"connect","version":1,"support":["1"]}', 'version must be a string'],
    ['missing version', '{"msg":"connect","support":["1"]}', 'version must be a string'],
    [
      'support not an array',
      '{"msg":"connect","version":"1","support":"1"}',
      'support must be an array of strings',
    ],
    [
      'support with a number',
      '{"msg":"connect","version":"1","support":["1",2]}',
      'support must be an array of strings',
    ],
    [
      'support without version',
      '{"msg":"connect","version":"1","support":["pre2"]}',
      'support must include version',
    ],
    [
      'numeric session',
      '{"msg":"connect","version":"1","support":["1"],"session":5}',
      'session must be a string',
    ],
    [
      'negative receivedCount',
      '{"msg":"connect","version":"1","support":["1"],"receivedCount":-1}',
      'receivedCount must be a non-negative integer',
    ],
    [
      'fractional receivedCount',
      '{"msg":"connect","version":"1","support":["1"],"receivedCount":1.5}',
      'receivedCount must be a non-negative integer',
    ],
    [
      'string receivedCount',
      '{"msg":"connect","version":"1","support":["1"],"receivedCount":"3"}',
      'receivedCount must be a non-negative integer',
    ],
  ];
  for (const [name, text, detail] of cases) {
    it(name, () => {
      expect(parse(text, { from: 'client' })).toEqual({
        ok: false,
        reason: 'Bad request',
        kind: 'bad-connect',
        detail,
        offendingMessage: JSON.parse(text),
        reply: { msg: 'failed', version: '1' },
        close: true,
      });
    });
  }

  it("replies with the server's first version", () => {
    const result = parse('{"msg":"connect"}', { from: 'client', serverVersions: ['pre2', 'pre1'] });
    expect(!result.ok && result.reply).toEqual({ msg: 'failed', version: 'pre2' });
  });

  it('an unknown proposed version is not a parse problem (negotiation handles it)', () => {
    expect(parse('{"msg":"connect","version":"foo","support":["foo"]}', { from: 'client' }).ok).toBe(true);
  });
});
