import { DEFAULT_MAX_DEPTH, fromWireValue, inspectWire, WireFlags } from './ejson.js';
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  type DDPMessage,
  type ErrorMessage,
  type FailedMessage,
  SERVER_MESSAGE_TYPES,
  type ServerMessage,
} from './messages.js';
import { SUPPORTED_DDP_VERSIONS } from './versions.js';

/** The `reason` Meteor's server puts in its `error` reply to bad input. */
export type RejectionReason =
  | 'Parse error'
  | 'Bad request'
  | 'Malformed subscription'
  | 'Malformed method invocation';

/** Why exactly a frame was refused (finer than {@link RejectionReason}). */
export type RejectionKind =
  | 'invalid-json'
  | 'not-object'
  | 'too-deep'
  | 'forbidden-key'
  | 'no-msg'
  | 'unknown-msg'
  | 'bad-field'
  | 'bad-connect'
  | 'bad-cleared'
  | 'bad-ejson';

/** A refused frame: why, and the reply Meteor's server gives for it. */
export interface Rejection {
  ok: false;
  reason: RejectionReason;
  kind: RejectionKind;
  /** Human-readable detail: which field, which rule. */
  detail: string;
  /** The parsed JSON object (or array) as received, when Meteor echoes it back in its reply. */
  offendingMessage?: unknown;
  /** What a server answers: an `error` message, or `failed` for a malformed `connect`. */
  reply: ErrorMessage | FailedMessage;
  /** True when the server closes the socket after the reply (a malformed `connect`). */
  close: boolean;
}

/** The outcome of {@link parse}: a typed message or a {@link Rejection}. */
export type ParseResult<M extends DDPMessage = DDPMessage> = { ok: true; message: M } | Rejection;

/** Options of {@link parse}. */
export interface ParseOptions {
  /** Accept only messages this side may send ('client': what a server receives). @default 'any' */
  from?: 'client' | 'server' | 'any';
  /** Refuse frames holding more than this many nested objects/arrays (the message is level 1). @default 64 */
  maxDepth?: number;
  /** The server's versions, used for the `failed` reply to a malformed `connect`. @default ['1','pre2','pre1'] */
  serverVersions?: readonly string[];
  /** The session's negotiated version: under `'pre1'`, `ping`/`pong` are unknown (Meteor answers "Bad request"). @default undefined */
  version?: string;
}

type Obj = Record<string, unknown>;

function reject(
  reason: RejectionReason,
  kind: RejectionKind,
  detail: string,
  offendingMessage?: unknown,
): Rejection {
  const reply: ErrorMessage = { msg: 'error', reason };
  if (offendingMessage !== undefined) reply.offendingMessage = offendingMessage;
  const rejection: Rejection = { ok: false, reason, kind, detail, reply, close: false };
  if (offendingMessage !== undefined) rejection.offendingMessage = offendingMessage;
  return rejection;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isOptString = (v: unknown) => v === undefined || typeof v === 'string';
const isOptArray = (v: unknown) => v === undefined || Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isOptObject = (v: unknown) => v === undefined || isObject(v);
const isOptFields = (v: unknown) => {
  if (v === undefined) return true;
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null; // not a Date/binary/custom type decoded by EJSON
};

// Field rules per message type (run on the decoded message): a failing rule names the field. Meteor's
// server gives `sub` and `method` their own reasons; everything else is a plain "Bad request".
type Rule = (m: Obj) => string | null;
const rules: Readonly<Record<string, Rule>> = Object.assign(Object.create(null) as Record<string, Rule>, {
  connect: connectProblem,
  disconnect: () => null,
  ping: (m: Obj) => (isOptString(m.id) ? null : 'id must be a string'),
  pong: (m: Obj) => (isOptString(m.id) ? null : 'id must be a string'),
  sub: (m: Obj) =>
    !isString(m.id)
      ? 'id must be a string'
      : !isString(m.name)
        ? 'name must be a string'
        : !isOptArray(m.params)
          ? 'params must be an array'
          : null,
  unsub: (m: Obj) => (isString(m.id) ? null : 'id must be a string'),
  method: (m: Obj) =>
    !isString(m.id)
      ? 'id must be a string'
      : !isString(m.method)
        ? 'method must be a string'
        : !isOptArray(m.params)
          ? 'params must be an array'
          : !isOptString(m.randomSeed)
            ? 'randomSeed must be a string'
            : null,
  connected: (m: Obj) => (isString(m.session) ? null : 'session must be a string'),
  failed: (m: Obj) => (isString(m.version) ? null : 'version must be a string'),
  nosub: (m: Obj) =>
    !isString(m.id) ? 'id must be a string' : !isOptObject(m.error) ? 'error must be an object' : null,
  added: docRule,
  changed: docRule,
  removed: (m: Obj) =>
    !isString(m.collection) ? 'collection must be a string' : !isString(m.id) ? 'id must be a string' : null,
  ready: (m: Obj) => (isStringArray(m.subs) ? null : 'subs must be an array of strings'),
  addedBefore: (m: Obj) => docRule(m) ?? beforeRule(m),
  movedBefore: (m: Obj) => docRule(m) ?? beforeRule(m),
  result: (m: Obj) =>
    !isString(m.id) ? 'id must be a string' : !isOptObject(m.error) ? 'error must be an object' : null,
  updated: (m: Obj) => (isStringArray(m.methods) ? null : 'methods must be an array of strings'),
  error: (m: Obj) => (isString(m.reason) ? null : 'reason must be a string'),
});
function docRule(m: Obj): string | null {
  if (!isString(m.collection)) return 'collection must be a string';
  if (!isString(m.id)) return 'id must be a string';
  if (!isOptFields(m.fields)) return 'fields must be an object';
  return null;
}
function beforeRule(m: Obj): string | null {
  return m.before === null || isString(m.before) ? null : 'before must be a string or null';
}

/** Checks a `connect` the way Meteor's server does: `version` a string listed in `support` (strings). */
export function connectProblem(m: Obj): string | null {
  if (!isString(m.version)) return 'version must be a string';
  if (!isStringArray(m.support)) return 'support must be an array of strings';
  if (!m.support.includes(m.version)) return 'support must include version';
  if (!isOptString(m.session)) return 'session must be a string';
  const count = m.receivedCount;
  if (count !== undefined && !(typeof count === 'number' && Number.isSafeInteger(count) && count >= 0))
    return 'receivedCount must be a non-negative integer';
  return null;
}

/**
 * Parses one DDP frame. Never throws: returns the typed message (EJSON decoded, `cleared` turned into
 * `undefined` fields) or a rejection carrying exactly the reply Meteor's server gives for that input.
 */
export function parse(text: string, options: { from: 'client' } & ParseOptions): ParseResult<ClientMessage>;
export function parse(text: string, options: { from: 'server' } & ParseOptions): ParseResult<ServerMessage>;
export function parse(text: string, options?: ParseOptions): ParseResult;
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  try {
    return parseFrame(text, options);
  } catch (err) {
    // Nothing above is expected to throw; if it does, answer as Meteor does when parseDDP throws.
    return reject('Parse error', 'bad-ejson', err instanceof Error ? err.message : 'unparseable frame');
  }
}

function parseFrame(text: string, options: ParseOptions): ParseResult {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return reject('Bad request', 'invalid-json', 'not valid JSON');
  }
  if (value === null || typeof value !== 'object') {
    return reject('Bad request', 'not-object', 'not a JSON object');
  }
  const flags = inspectWire(value, maxDepth);
  if (flags & WireFlags.TooDeep)
    return reject('Bad request', 'too-deep', `JSON nests deeper than ${maxDepth}`);
  if (flags & WireFlags.ProtoKey)
    return reject('Bad request', 'forbidden-key', 'a key is "__proto__"', value);
  if (Array.isArray(value)) return reject('Bad request', 'no-msg', 'no msg field', value);
  const raw = value as Obj;

  // Wire → abstract form first, as Meteor's parseDDP does: its failures are "Parse error". EJSON is decoded
  // before `cleared` is applied (the mirror of encode); Meteor does it the other way round, which breaks a
  // `fields` object that encode had to `$escape` (e.g. a document whose only other field is `$date`).
  let m = raw;
  if (flags & WireFlags.Dollar) {
    m = { ...raw };
    try {
      for (const key of EJSON_KEYS) if (m[key] !== undefined) m[key] = fromWireValue(m[key]);
    } catch (err) {
      return reject('Parse error', 'bad-ejson', err instanceof Error ? err.message : 'bad EJSON');
    }
  }
  if (Object.hasOwn(raw, 'cleared')) {
    if (m === raw) m = { ...raw };
    const problem = applyCleared(m);
    if (problem) return reject('Parse error', 'bad-cleared', problem);
  }

  const type = raw.msg;
  if (!type) return reject('Bad request', 'no-msg', 'no msg field', raw);
  const from = options.from ?? 'any';
  let known =
    typeof type === 'string' &&
    (from === 'client'
      ? CLIENT_MESSAGE_TYPES.has(type)
      : from === 'server'
        ? SERVER_MESSAGE_TYPES.has(type)
        : CLIENT_MESSAGE_TYPES.has(type) || SERVER_MESSAGE_TYPES.has(type));
  if (known && options.version === 'pre1' && (type === 'ping' || type === 'pong')) known = false;
  const rule = known ? rules[type as string] : undefined;
  if (!rule) {
    const name = typeof type === 'string' ? `'${type}'` : JSON.stringify(type);
    return reject('Bad request', 'unknown-msg', `unknown msg ${name} (from ${from})`, raw);
  }
  const problem = rule(m);
  if (problem && type === 'connect') {
    const version = (options.serverVersions ?? SUPPORTED_DDP_VERSIONS)[0] ?? '1';
    return {
      ok: false,
      reason: 'Bad request',
      kind: 'bad-connect',
      detail: problem,
      offendingMessage: raw,
      reply: { msg: 'failed', version },
      close: true,
    };
  }
  if (problem) return reject(malformedReason(type as string), 'bad-field', problem, raw);
  return { ok: true, message: m as unknown as DDPMessage };
}

const EJSON_KEYS = ['fields', 'params', 'result'] as const;

function malformedReason(type: string): RejectionReason {
  return type === 'sub'
    ? 'Malformed subscription'
    : type === 'method'
      ? 'Malformed method invocation'
      : 'Bad request';
}

// `cleared: [names]` → those fields set to `undefined` (own properties), and `cleared` removed, as in
// Meteor's abstract form. Mutates `m`, a shallow copy of the received object.
function applyCleared(m: Obj): string | null {
  const cleared = m.cleared;
  if (!isStringArray(cleared)) return 'cleared must be an array of strings';
  const fields = m.fields;
  if (!isOptFields(fields)) return 'fields must be a plain object when cleared is present';
  const out: Obj = { ...(fields as Obj | undefined) };
  for (const name of cleared) {
    Object.defineProperty(out, name, {
      value: undefined,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  m.fields = out;
  delete m.cleared;
  return null;
}
