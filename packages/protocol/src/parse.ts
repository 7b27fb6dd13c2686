import { DEFAULT_MAX_DEPTH, exceedsDepth, fromWireValue } from './ejson.js';
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
export type RejectionReason = 'Parse error' | 'Bad request' | 'Malformed subscription' | 'Malformed method invocation';

/** Why exactly a frame was refused (finer than {@link RejectionReason}). */
export type RejectionKind =
  | 'invalid-json'
  | 'not-object'
  | 'too-deep'
  | 'no-msg'
  | 'unknown-msg'
  | 'bad-field'
  | 'bad-connect'
  | 'bad-ejson';

/** A refused frame: why, and the reply Meteor's server gives for it. */
export interface Rejection {
  ok: false;
  reason: RejectionReason;
  kind: RejectionKind;
  /** Human-readable detail: which field, which rule. */
  detail: string;
  /** The parsed object, when the text was a JSON object. */
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
  /** Accept only messages this side may send. @default 'any' */
  from?: 'client' | 'server' | 'any';
  /** Refuse JSON nested deeper than this. @default 64 */
  maxDepth?: number;
  /** The server's versions, used for the `failed` reply to a malformed `connect`. @default ['1','pre2','pre1'] */
  serverVersions?: readonly string[];
}

type Obj = Record<string, unknown>;

const isString = (v: unknown): v is string => typeof v === 'string';
const isOptString = (v: unknown) => v === undefined || typeof v === 'string';
const isOptArray = (v: unknown) => v === undefined || Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isOptObject = (v: unknown) => v === undefined || (v !== null && typeof v === 'object' && !Array.isArray(v));

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

// Field rules per message type: a failing rule names the field. Meteor's server gives `sub` and
// `method` their own reasons; everything else is a plain "Bad request".
type Rule = (m: Obj) => string | null;
const rules: Record<string, Rule> = {
  connect: () => null, // validated separately: a bad connect is answered with `failed`
  disconnect: () => null,
  ping: (m) => (isOptString(m.id) ? null : 'id must be a string'),
  pong: (m) => (isOptString(m.id) ? null : 'id must be a string'),
  sub: (m) =>
    !isString(m.id)
      ? 'id must be a string'
      : !isString(m.name)
        ? 'name must be a string'
        : !isOptArray(m.params)
          ? 'params must be an array'
          : null,
  unsub: (m) => (isString(m.id) ? null : 'id must be a string'),
  method: (m) =>
    !isString(m.id)
      ? 'id must be a string'
      : !isString(m.method)
        ? 'method must be a string'
        : !isOptArray(m.params)
          ? 'params must be an array'
          : !isOptString(m.randomSeed)
            ? 'randomSeed must be a string'
            : null,
  connected: (m) => (isString(m.session) ? null : 'session must be a string'),
  failed: (m) => (isString(m.version) ? null : 'version must be a string'),
  nosub: (m) => (!isString(m.id) ? 'id must be a string' : !isOptObject(m.error) ? 'error must be an object' : null),
  added: (m) => docRule(m),
  changed: (m) => docRule(m) ?? (m.cleared === undefined || isStringArray(m.cleared) ? null : 'cleared must be strings'),
  removed: (m) => docRule(m),
  ready: (m) => (isStringArray(m.subs) ? null : 'subs must be an array of strings'),
  addedBefore: (m) => docRule(m) ?? beforeRule(m),
  movedBefore: (m) => docRule(m) ?? beforeRule(m),
  result: (m) => (!isString(m.id) ? 'id must be a string' : !isOptObject(m.error) ? 'error must be an object' : null),
  updated: (m) => (isStringArray(m.methods) ? null : 'methods must be an array of strings'),
  error: (m) => (isOptString(m.reason) ? null : 'reason must be a string'),
};
function docRule(m: Obj): string | null {
  if (!isString(m.collection)) return 'collection must be a string';
  if (!isString(m.id)) return 'id must be a string';
  if (!isOptObject(m.fields)) return 'fields must be an object';
  return null;
}
function beforeRule(m: Obj): string | null {
  return m.before === null || isString(m.before) ? null : 'before must be a string or null';
}

const malformedReason: Record<string, RejectionReason> = {
  sub: 'Malformed subscription',
  method: 'Malformed method invocation',
};

/** Checks a `connect` the way Meteor's server does: `version` a string listed in `support` (strings). */
export function connectProblem(m: Obj): string | null {
  if (!isString(m.version)) return 'version must be a string';
  if (!isStringArray(m.support)) return 'support must be an array of strings';
  if (!m.support.includes(m.version)) return 'support must include version';
  if (!isOptString(m.session)) return 'session must be a string';
  if (m.receivedCount !== undefined && !(Number.isInteger(m.receivedCount) && (m.receivedCount as number) >= 0))
    return 'receivedCount must be a non-negative integer';
  return null;
}

/**
 * Parses one DDP frame. Never throws: returns the typed message (EJSON decoded, `cleared` applied)
 * or a rejection carrying exactly the reply Meteor's server gives for that input.
 */
export function parse(text: string, options?: { from: 'client' } & ParseOptions): ParseResult<ClientMessage>;
export function parse(text: string, options?: { from: 'server' } & ParseOptions): ParseResult<ServerMessage>;
export function parse(text: string, options?: ParseOptions): ParseResult;
export function parse(text: string, options: ParseOptions = {}): ParseResult {
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
  if (exceedsDepth(value, maxDepth)) {
    return reject('Bad request', 'too-deep', `JSON nests deeper than ${maxDepth}`);
  }
  const m = value as Obj;
  const type = m.msg;
  if (typeof type !== 'string') return reject('Bad request', 'no-msg', 'no msg field', m);
  const from = options.from ?? 'any';
  const known =
    from === 'client'
      ? CLIENT_MESSAGE_TYPES.has(type)
      : from === 'server'
        ? SERVER_MESSAGE_TYPES.has(type)
        : CLIENT_MESSAGE_TYPES.has(type) || SERVER_MESSAGE_TYPES.has(type);
  const rule = known ? rules[type] : undefined;
  if (!rule) return reject('Bad request', 'unknown-msg', `unknown msg '${type}'`, m);
  if (type === 'connect') {
    const problem = connectProblem(m);
    if (problem) {
      const version = (options.serverVersions ?? SUPPORTED_DDP_VERSIONS)[0] ?? '1';
      return {
        ok: false,
        reason: 'Bad request',
        kind: 'bad-connect',
        detail: problem,
        offendingMessage: m,
        reply: { msg: 'failed', version },
        close: true,
      };
    }
  }
  const problem = rule(m);
  if (problem) return reject(malformedReason[type] ?? 'Bad request', 'bad-field', problem, m);
  try {
    decodeEJSONFields(m);
  } catch (err) {
    return reject('Parse error', 'bad-ejson', err instanceof Error ? err.message : 'bad EJSON');
  }
  return { ok: true, message: m as unknown as DDPMessage };
}

// EJSON applies only to the top-level `fields`, `params` and `result`; `cleared` names become undefined.
function decodeEJSONFields(m: Obj): void {
  if (m.fields !== undefined) m.fields = fromWireValue(m.fields);
  if (m.params !== undefined) m.params = fromWireValue(m.params);
  if (m.result !== undefined) m.result = fromWireValue(m.result);
  if (m.msg === 'changed' && Array.isArray(m.cleared)) {
    const fields = (m.fields ?? {}) as Obj;
    for (const name of m.cleared as string[]) fields[name] = undefined;
    m.fields = fields;
  }
}
