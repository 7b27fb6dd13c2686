import { toWireValue } from './ejson.js';
import type { DDPMessage } from './messages.js';

/**
 * Encodes a message as one DDP frame. EJSON applies to `fields`, `params` and `result`; fields set to
 * `undefined` move to `cleared` (and an emptied `fields` is dropped). Throws a TypeError when the
 * message has a non-string `id`.
 */
export function encode(message: DDPMessage): string {
  const m = message as unknown as Record<string, unknown>;
  if (m.id !== undefined && typeof m.id !== 'string') {
    throw new TypeError(`DDP message id must be a string, got ${typeof m.id}`);
  }
  const fields = m.fields;
  const params = m.params;
  const result = m.result;
  if (fields === undefined && params === undefined && result === undefined) return JSON.stringify(m);

  const out: Record<string, unknown> = { ...m };
  if (fields !== undefined) encodeFields(out, fields as Record<string, unknown>);
  if (params !== undefined) out.params = toWireValue(params);
  if (result !== undefined) out.result = toWireValue(result);
  return JSON.stringify(out);
}

function encodeFields(out: Record<string, unknown>, fields: Record<string, unknown>): void {
  let cleared: string[] | undefined;
  let kept: Record<string, unknown> | undefined;
  for (const key in fields) {
    if (fields[key] === undefined) {
      if (!cleared) {
        cleared = Array.isArray(out.cleared) ? [...(out.cleared as string[])] : [];
        kept = { ...fields };
      }
      cleared.push(key);
      delete kept![key];
    }
  }
  const wireFields = kept ?? fields;
  if (cleared) out.cleared = cleared;
  let empty = true;
  for (const _ in wireFields) {
    empty = false;
    break;
  }
  if (empty) delete out.fields;
  else out.fields = toWireValue(wireFields);
}
