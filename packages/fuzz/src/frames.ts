import fc from 'fast-check';

/** What a hostile frame tries; the attacker reacts to `oversize` and `badUtf8` (the server must close). */
export type FrameKind =
  | 'malformed'
  | 'wrongTypes'
  | 'flood'
  | 'unknownMsg'
  | 'protoKeys'
  | 'ejson'
  | 'deep'
  | 'bigWithin'
  | 'oversize'
  | 'ping'
  | 'connect'
  | 'binary'
  | 'badUtf8';

/** One frame to send: text, or raw bytes sent as a text (`badUtf8`) or binary (`binary`) frame. */
export interface Frame {
  /** What it tries. */
  kind: FrameKind;
  /** The text frame. */
  text?: string;
  /** Raw bytes. */
  bytes?: Uint8Array;
}

const ids = fc.oneof(
  fc.constantFrom('1', '2', 'a', '', '__proto__', 'constructor', 'x'.repeat(300)),
  fc.string({ maxLength: 12 }),
);
const smallJson = fc.jsonValue({ maxDepth: 2 });
const anything = fc.anything({ maxDepth: 2, maxKeys: 4 });
const methodNames = fc.constantFrom(
  'add',
  'echo',
  'count',
  'slow',
  'throws',
  'rejects',
  'login',
  'keys',
  'nope',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'valueOf',
);
const pubNames = fc.constantFrom(
  'items',
  'echo',
  'fails',
  'throws',
  'missing',
  '__proto__',
  'constructor',
  'toString',
);
const versions = fc.oneof(fc.constantFrom('1', 'pre2', 'pre1', '2', '', 'x'), anything);

/** A well-formed message of each kind a client sends. */
const valid = fc.oneof(
  fc.record({
    msg: fc.constant('method'),
    id: ids,
    method: methodNames,
    params: fc.array(smallJson, { maxLength: 3 }),
  }),
  fc.record({
    msg: fc.constant('sub'),
    id: ids,
    name: pubNames,
    params: fc.array(smallJson, { maxLength: 2 }),
  }),
  fc.record({ msg: fc.constant('unsub'), id: ids }),
  fc.record({ msg: fc.constant('ping'), id: ids }, { requiredKeys: ['msg'] }),
  fc.record({ msg: fc.constant('pong'), id: ids }, { requiredKeys: ['msg'] }),
);

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '{"msg":"unserialisable"}';
  }
}

/** Text that is not one JSON object: noise, truncations, splices, bare values. */
const malformed = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(valid, fc.nat(60)).map(([m, cut]) => json(m).slice(0, cut)),
  fc.tuple(valid, fc.string({ maxLength: 4 }), fc.nat(60)).map(([m, s, at]) => {
    const t = json(m);
    return t.slice(0, at) + s + t.slice(at);
  }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'true',
    '0',
    '"msg"',
    '[]',
    '{}',
    '{"msg":}',
    '{"msg"',
    '\u0000',
    '\ud800',
  ),
  smallJson.map((v) => json(v)),
);

/** Valid shapes with one field replaced by anything, dropped, or added. */
const wrongTypes = fc
  .tuple(valid, fc.constantFrom('msg', 'id', 'method', 'name', 'params', 'extra'), anything, fc.boolean())
  .map(([m, key, value, drop]) => {
    const o: Record<string, unknown> = { ...m };
    if (drop) delete o[key];
    else o[key] = value;
    return json(o);
  });

/** Floods of well-formed work: method calls, subs and unsubs, with reused and fresh ids. */
const flood = valid.map((m) => json(m));

const unknownMsg = fc.oneof(
  fc.record({ msg: fc.string({ maxLength: 10 }) }).map(json),
  fc.record({ msg: anything, id: ids }).map(json),
  fc.constantFrom(
    '{"msg":"added","collection":"x","id":"1"}',
    '{"msg":"connected","session":"x"}',
    '{"msg":"result","id":"1"}',
    '{"msg":"nosub","id":"1"}',
    '{"msg":"ready","subs":["1"]}',
    '{"msg":"updated","methods":["1"]}',
  ),
  fc.constantFrom('{"server_id":"0"}', '{"msg":null}', '{"msg":["method"]}', '{"msg":{"toString":"method"}}'),
);

const protoKeys = fc.oneof(
  fc.constantFrom(
    '{"msg":"method","id":"p1","method":"echo","params":[{"__proto__":{"polluted":1}}]}',
    '{"msg":"method","id":"p2","method":"keys","params":[{"__proto__":{"polluted":1},"constructor":{"prototype":{"isAdmin":true}}}]}',
    '{"__proto__":{"polluted":1},"msg":"method","id":"p3","method":"add","params":[1,2]}',
    '{"msg":"sub","id":"p4","name":"echo","params":[{"constructor":{"prototype":{"polluted":1}}}]}',
    '{"msg":"method","id":"p5","method":"echo","params":[{"prototype":{"toJSON":1},"__proto__":[]}]}',
    '{"msg":"connect","version":"1","support":["1"],"__proto__":{"polluted":1}}',
    '{"msg":"method","id":"p6","method":"echo","params":[{"$escape":{"__proto__":{"polluted":1}}}]}',
    '{"msg":"method","id":"p7","method":"echo","params":[{"$type":"__proto__","$value":{"polluted":1}}]}',
    '{"msg":"method","id":"__proto__","method":"__proto__","params":{"__proto__":1}}',
    '{"msg":"sub","id":"constructor","name":"constructor","params":[]}',
  ),
  fc
    .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), anything)
    .map(([key, value]) => `{"msg":"method","id":"pp","method":"echo","params":[{"${key}":${json(value)}}]}`),
);

const ejsonValue = fc.oneof(
  fc.constantFrom<unknown>(
    { $date: 'not a number' },
    { $date: 1e308 },
    { $date: -8.64e15 - 1 },
    { $date: 1, extra: true },
    { $binary: '!!!not base64' },
    { $binary: 5 },
    { $binary: 'A'.repeat(4096) },
    { $type: 'oid', $value: '0' },
    { $type: 'unknown-type', $value: {} },
    { $type: 5 },
    { $type: 'x' },
    { $escape: { $date: 1 } },
    { $escape: 5 },
    { $escape: { $escape: { $binary: 'AA==' } } },
    { $InfNaN: 1 },
    { $InfNaN: 'x' },
    { $regexp: '(a+)+$', $flags: 'zz' },
    { $date: { $date: 1 } },
    { EJSON$type: 'x' },
  ),
  fc
    .tuple(fc.constantFrom('$date', '$binary', '$type', '$escape', '$value', '$InfNaN'), anything)
    .map(([k, v]) => ({
      [k]: v,
    })),
);
const ejson = fc
  .tuple(fc.constantFrom('method', 'sub'), ejsonValue, ids)
  .map(([msg, v, id]) =>
    msg === 'method'
      ? json({ msg, id, method: 'echo', params: [v, { nested: [v] }] })
      : json({ msg, id, name: 'echo', params: [v] }),
  );

const deep = fc
  .tuple(fc.integer({ min: 30, max: 5000 }), fc.constantFrom('array', 'object', 'params'))
  .map(([n, shape]) => {
    if (shape === 'array') return `${'['.repeat(n)}${']'.repeat(n)}`;
    if (shape === 'object') return `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    return `{"msg":"method","id":"d","method":"echo","params":${'['.repeat(n)}${']'.repeat(n)}}`;
  });

/** Frame generators that depend on the server's payload limit. */
export function frameArbitrary(maxPayloadBytes: number): fc.Arbitrary<Frame> {
  const big = (min: number, max: number) =>
    fc.tuple(fc.integer({ min, max }), fc.constantFrom('echo', 'ping', 'sub', 'junk')).map(([n, how]) => {
      const s = 'x'.repeat(n);
      if (how === 'echo') return `{"msg":"method","id":"big","method":"echo","params":["${s}"]}`;
      if (how === 'ping') return `{"msg":"ping","id":"${s}"}`;
      if (how === 'sub') return `{"msg":"sub","id":"${s}","name":"items","params":[]}`;
      return s;
    });
  const ping = fc.oneof(
    fc.constant('{"msg":"ping"}'),
    ids.map((id) => json({ msg: 'ping', id })),
    fc
      .integer({ min: 1000, max: Math.floor(maxPayloadBytes / 2) })
      .map((n) => `{"msg":"ping","id":"${'p'.repeat(n)}"}`),
  );
  const connect = fc
    .record(
      {
        msg: fc.constant('connect'),
        version: versions,
        support: fc.oneof(fc.array(versions, { maxLength: 4 }), anything),
        session: fc.oneof(fc.string({ minLength: 17, maxLength: 17 }), anything),
        receivedCount: fc.oneof(fc.integer(), fc.double(), anything),
      },
      { requiredKeys: ['msg'] },
    )
    .map(json);
  const pick = <T>(arbitrary: fc.Arbitrary<T>, weight: number) => ({ arbitrary, weight });
  const text =
    (kind: FrameKind) =>
    (t: string): Frame => ({ kind, text: t });
  return fc.oneof(
    pick(malformed.map(text('malformed')), 120),
    pick(wrongTypes.map(text('wrongTypes')), 200),
    pick(flood.map(text('flood')), 200),
    pick(unknownMsg.map(text('unknownMsg')), 80),
    pick(protoKeys.map(text('protoKeys')), 100),
    pick(ejson.map(text('ejson')), 100),
    pick(deep.map(text('deep')), 30),
    pick(big(Math.floor(maxPayloadBytes / 4), maxPayloadBytes - 256).map(text('bigWithin')), 8),
    pick(big(maxPayloadBytes + 1, maxPayloadBytes * 2).map(text('oversize')), 2),
    pick(ping.map(text('ping')), 60),
    pick(connect.map(text('connect')), 50),
    pick(
      fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ kind: 'binary', bytes })),
      20,
    ),
    pick(
      fc
        .uint8Array({ minLength: 1, maxLength: 16 })
        .map((b): Frame => ({ kind: 'badUtf8', bytes: Uint8Array.from([0x7b, 0xff, 0xfe, ...b, 0xc0]) })),
      3,
    ),
  );
}

/** A deterministic stream of frames: fast-check samples drawn in chunks from one seed. */
export function* frameStream(maxPayloadBytes: number, seed: number, chunk = 2000): Generator<Frame> {
  const arbitrary = frameArbitrary(maxPayloadBytes);
  for (let round = 0; ; round++) {
    yield* fc.sample(arbitrary, { numRuns: chunk, seed: (seed + round * 7919) | 0 });
  }
}
