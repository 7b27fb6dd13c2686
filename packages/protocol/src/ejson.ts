import EJSON from 'ejson';

/** Default limit on how deeply a message's JSON may nest before it is refused. */
export const DEFAULT_MAX_DEPTH = 64;

// Walks a value once, bounded by `maxDepth`, telling whether it needs EJSON at all. Plain JSON (the
// common case) then skips EJSON's cloning walk entirely: that is the fast path.
const enum Scan {
  Plain = 0,
  Special = 1,
  TooDeep = 2,
}

function scanDecoded(value: unknown, depth: number, maxDepth: number): Scan {
  if (value === null || typeof value !== 'object') return value === undefined ? Scan.Special : Scan.Plain;
  if (depth >= maxDepth) return Scan.TooDeep;
  if (Array.isArray(value)) {
    let result = Scan.Plain;
    for (const item of value) {
      const r = scanDecoded(item, depth + 1, maxDepth);
      if (r === Scan.TooDeep) return r;
      result |= r;
    }
    return result;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return Scan.Special; // Date, Uint8Array, custom types
  let result = Scan.Plain;
  for (const key in value) {
    if (key.charCodeAt(0) === 36 /* $ */) result = Scan.Special;
    const r = scanDecoded((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (r === Scan.TooDeep) return r;
    result |= r;
  }
  return result;
}

function scanWire(value: unknown, depth: number, maxDepth: number): Scan {
  if (value === null || typeof value !== 'object') return Scan.Plain;
  if (depth >= maxDepth) return Scan.TooDeep;
  let result = Scan.Plain;
  if (Array.isArray(value)) {
    for (const item of value) {
      const r = scanWire(item, depth + 1, maxDepth);
      if (r === Scan.TooDeep) return r;
      result |= r;
    }
    return result;
  }
  for (const key in value) {
    if (key.charCodeAt(0) === 36 /* $ */) result = Scan.Special;
    const r = scanWire((value as Record<string, unknown>)[key], depth + 1, maxDepth);
    if (r === Scan.TooDeep) return r;
    result |= r;
  }
  return result;
}

/** Thrown by {@link toWireValue}/{@link fromWireValue} when a value nests deeper than allowed. */
export class DepthError extends RangeError {
  /** Stable code for this failure. */
  readonly code = 'DDP_TOO_DEEP';
}

/** Converts an EJSON value (Dates, binary, custom types) into its JSON-safe wire form. */
export function toWireValue(value: unknown, maxDepth = Number.POSITIVE_INFINITY): unknown {
  const scan = scanDecoded(value, 0, maxDepth);
  if (scan === Scan.TooDeep) throw new DepthError(`value nests deeper than ${maxDepth}`);
  return scan === Scan.Plain ? value : EJSON.toJSONValue(value as never);
}

/** Converts a wire value back into EJSON values; plain JSON is returned as it is. Throws on unknown types. */
export function fromWireValue(value: unknown, maxDepth = Number.POSITIVE_INFINITY): unknown {
  const scan = scanWire(value, 0, maxDepth);
  if (scan === Scan.TooDeep) throw new DepthError(`value nests deeper than ${maxDepth}`);
  return scan === Scan.Plain ? value : EJSON.fromJSONValue(value as never);
}

/** Maximum nesting depth of a parsed JSON value, stopping early once it passes `limit`. */
export function exceedsDepth(value: unknown, limit: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= limit) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (exceedsDepth(item, limit, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (exceedsDepth((value as Record<string, unknown>)[key], limit, depth + 1)) return true;
  }
  return false;
}

/** EJSON's deep equality (Dates, binary and custom types compared by value). */
export function ejsonEquals(a: unknown, b: unknown): boolean {
  return EJSON.equals(a as never, b as never);
}

/** EJSON's deep clone. */
export function ejsonClone<T>(value: T): T {
  return EJSON.clone(value as never) as T;
}

/** The EJSON implementation ddpx uses (the `ejson` package), for registering custom types. */
export { EJSON };
