import { DEFAULT_MAX_DEPTH, toWireValue } from './ejson.js';
import type { DDPMessage } from './messages.js';

/** Options of {@link encode}. */
export interface EncodeOptions {
  /**
   * Refuse (with a `DepthError`, a RangeError) `fields`/`params`/`result` whose wire form would make the
   * frame hold more nested objects/arrays than this: such a frame would be refused by `parse` with the
   * same limit. Also stops a cyclic value early. @default 64
   */
  maxDepth?: number;
}

type Obj = Record<string, unknown>;

/**
 * Encodes a message as one DDP frame. EJSON applies to `fields`, `params` and `result`; fields set to
 * `undefined` move to `cleared` (and an emptied `fields` is dropped); `result: undefined` is omitted.
 * Throws a TypeError when the message is not an object with a string `msg`, or has a non-string `id`.
 */
export function encode(message: DDPMessage, options?: EncodeOptions): string {
  if (message === null || typeof message !== 'object' || typeof message.msg !== 'string') {
    throw new TypeError('DDP message must be an object with a string msg');
  }
  const m = message as unknown as Obj;
  if (m.id !== undefined && typeof m.id !== 'string') {
    throw new TypeError(`DDP message id must be a string, got ${m.id === null ? 'null' : typeof m.id}`);
  }
  const { fields, params, result } = m;
  // Fast path: nothing EJSON could touch.
  if (fields === undefined && params === undefined && result === undefined) return JSON.stringify(m);

  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  let out: Obj | undefined;
  if (fields !== undefined) {
    const wire = encodeFields(m, fields as Obj, maxDepth);
    if (wire !== undefined) out = Object.assign({ ...m }, wire);
  }
  for (const key of ['params', 'result'] as const) {
    const value = m[key];
    if (value === undefined) continue;
    const wire = toWireValue(value, maxDepth, 1);
    if (wire === value) continue;
    out ??= { ...m };
    out[key] = wire;
  }
  // Plain JSON values are returned as they are, so the common case stringifies the message unchanged.
  return JSON.stringify(out ?? m);
}

// The replacement `fields`/`cleared` pair, or undefined when `fields` can go out unchanged.
function encodeFields(m: Obj, fields: Obj, maxDepth: number): Obj | undefined {
  let cleared: string[] | undefined;
  let kept: Obj | undefined;
  let empty = true;
  for (const key of Object.keys(fields)) {
    if (fields[key] !== undefined) {
      empty = false;
      continue;
    }
    if (!cleared) {
      cleared = Array.isArray(m.cleared) ? [...(m.cleared as string[])] : [];
      kept = { ...fields };
    }
    if (!cleared.includes(key)) cleared.push(key);
    delete kept![key];
  }
  const source = kept ?? fields;
  const wire = empty ? undefined : toWireValue(source, maxDepth, 1);
  if (!cleared && !empty && wire === fields) return undefined;
  const replacement: Obj = { fields: wire };
  if (cleared) replacement.cleared = cleared;
  return replacement;
}
