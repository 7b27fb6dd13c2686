// fast-check arbitraries for valid DDP messages, shared by the property tests.
import fc from 'fast-check';
import type { DDPMessage } from '../src/index.js';

// Keys include the ones EJSON must `$escape` and odd strings; `__proto__` is refused by `parse` by design.
const EJSON_KEYS = ['$date', '$binary', '$escape', '$type', '$value', '$InfNaN', '$regexp', '$flags', '$'];
export const key = fc
  .oneof(fc.string(), fc.constantFrom(...EJSON_KEYS), fc.string({ unit: 'binary', maxLength: 6 }))
  .filter((k) => k !== '__proto__');

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));

/** Plain JSON values (what travels outside fields/params/result, e.g. error details). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** EJSON values: JSON plus Dates, binary, NaN/±Infinity and objects whose keys need `$escape`. */
export const ejsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(), // includes NaN, ±Infinity, -0
    fc.integer(),
    text,
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const id = text;
const fields = fc.dictionary(key, ejsonValue, { maxKeys: 5 });
const fieldsWithCleared = fc.dictionary(key, fc.oneof(ejsonValue, fc.constant(undefined)), { maxKeys: 5 });
const params = fc.array(ejsonValue, { maxLength: 4 });
const strings = fc.array(id, { maxLength: 4 });
const wireError = fc.record(
  {
    isClientSafe: fc.constant(true),
    error: fc.oneof(fc.string(), fc.integer()),
    reason: fc.string(),
    message: fc.string(),
    errorType: fc.constant('Meteor.Error'),
    details: jsonValue,
  },
  { requiredKeys: ['error'] },
);

/** One arbitrary per message type, keyed by `msg`. */
export const messageArbitraries: Record<DDPMessage['msg'], fc.Arbitrary<DDPMessage>> = {
  connect: fc
    .record(
      {
        version: id,
        extra: strings,
        session: id,
        receivedCount: fc.nat(),
      },
      { requiredKeys: ['version', 'extra'] },
    )
    .map(({ version, extra, ...rest }) => ({
      msg: 'connect',
      version,
      support: [...extra, version],
      ...rest,
    })),
  connected: fc.record({ msg: fc.constant('connected'), session: id }),
  failed: fc.record({ msg: fc.constant('failed'), version: id }),
  ping: fc.record({ msg: fc.constant('ping'), id }, { requiredKeys: ['msg'] }),
  pong: fc.record({ msg: fc.constant('pong'), id }, { requiredKeys: ['msg'] }),
  sub: fc.record(
    { msg: fc.constant('sub'), id, name: text, params },
    { requiredKeys: ['msg', 'id', 'name'] },
  ),
  unsub: fc.record({ msg: fc.constant('unsub'), id }),
  nosub: fc.record({ msg: fc.constant('nosub'), id, error: wireError }, { requiredKeys: ['msg', 'id'] }),
  added: fc.record(
    { msg: fc.constant('added'), collection: text, id, fields: fieldsWithCleared },
    { requiredKeys: ['msg', 'collection', 'id'] },
  ),
  changed: fc.record(
    { msg: fc.constant('changed'), collection: text, id, fields: fieldsWithCleared },
    { requiredKeys: ['msg', 'collection', 'id'] },
  ),
  removed: fc.record({ msg: fc.constant('removed'), collection: text, id }),
  ready: fc.record({ msg: fc.constant('ready'), subs: strings }),
  addedBefore: fc.record(
    { msg: fc.constant('addedBefore'), collection: text, id, fields, before: fc.option(id, { nil: null }) },
    { requiredKeys: ['msg', 'collection', 'id', 'before'] },
  ),
  movedBefore: fc.record({
    msg: fc.constant('movedBefore'),
    collection: text,
    id,
    before: fc.option(id, { nil: null }),
  }),
  method: fc.record(
    { msg: fc.constant('method'), method: text, params, id, randomSeed: fc.string() },
    { requiredKeys: ['msg', 'method', 'id'] },
  ),
  result: fc.oneof(
    fc.record({ msg: fc.constant('result'), id, result: ejsonValue }, { requiredKeys: ['msg', 'id'] }),
    fc.record({ msg: fc.constant('result'), id, error: wireError }),
  ),
  updated: fc.record({ msg: fc.constant('updated'), methods: strings }),
  error: fc.record(
    { msg: fc.constant('error'), reason: fc.string(), offendingMessage: jsonValue },
    { requiredKeys: ['msg', 'reason'] },
  ),
  disconnect: fc.constant({ msg: 'disconnect' }),
} as Record<DDPMessage['msg'], fc.Arbitrary<DDPMessage>>;

/** Any valid message. */
export const anyMessage: fc.Arbitrary<DDPMessage> = fc.oneof(...Object.values(messageArbitraries));

/** What parse gives back for an encoded message: `fields` emptied by encode disappears. */
export function expectedAfterRoundTrip(message: DDPMessage): DDPMessage {
  const m = { ...message } as Record<string, unknown>;
  if (m.fields !== undefined && Object.keys(m.fields as object).length === 0) delete m.fields;
  if (m.result === undefined) delete m.result;
  return m as unknown as DDPMessage;
}
