import EJSON from 'ejson';

/** Default limit on nesting: a frame may hold at most 64 nested objects/arrays (the message is the first). */
export const DEFAULT_MAX_DEPTH = 64;

// Walks a value once, bounded by `maxDepth`, telling whether it needs EJSON at all. Plain JSON (the
// common case) then skips EJSON's cloning walk entirely: that is the fast path.
enum Scan {
  Plain = 0,
  Special = 1,
  TooDeep = 2,
}

function scanDecoded(value: unknown, depth: number, maxDepth: number): Scan {
  if (value === null || typeof value !== 'object') {
    // NaN and ±Infinity travel as {"$InfNaN": …}; JSON.stringify would turn them into null.
    return typeof value === 'number' && !Number.isFinite(value) ? Scan.Special : Scan.Plain;
  }
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

/** Thrown by {@link toWireValue}/{@link fromWireValue} when a value nests deeper than allowed. */
export class DepthError extends RangeError {
  /** Stable code for this failure. */
  readonly code = 'DDP_TOO_DEEP';
}

/**
 * Converts an EJSON value (Dates, binary, NaN, custom types) into its JSON-safe wire form. Plain JSON is
 * returned as it is (no copy). Throws a {@link DepthError} when the wire form nests `maxDepth` levels or
 * more below `depth`.
 */
export function toWireValue(value: unknown, maxDepth = Number.POSITIVE_INFINITY, depth = 0): unknown {
  const scan = scanDecoded(value, depth, maxDepth);
  if (scan === Scan.TooDeep) throw new DepthError(`value nests deeper than ${maxDepth}`);
  if (scan === Scan.Plain) return value;
  const wire: unknown = EJSON.toJSONValue(value as never);
  // `$escape` and custom types may add levels: check what actually goes on the wire.
  if (maxDepth !== Number.POSITIVE_INFINITY && exceedsDepth(wire, maxDepth, depth)) {
    throw new DepthError(`value nests deeper than ${maxDepth}`);
  }
  return wire;
}

/** Converts a wire value back into EJSON values; plain JSON is returned as it is. Throws on unknown types. */
export function fromWireValue(value: unknown, maxDepth = Number.POSITIVE_INFINITY): unknown {
  // The wire form is plain JSON: the one bounded walk of `inspectWire` tells depth and `$` keys.
  const flags = inspectWire(value, maxDepth);
  if (flags & WireFlags.TooDeep) throw new DepthError(`value nests deeper than ${maxDepth}`);
  if (!(flags & WireFlags.Dollar)) return value;
  const decoded: unknown = EJSON.fromJSONValue(value as never);
  if (holdsInvalidDate(decoded)) throw new RangeError('a $date is not a valid time');
  return decoded;
}

// EJSON turns `{"$date": 1e300}` into an Invalid Date, which cannot be sent again (it encodes as
// `{"$date": null}`): such a value is refused like any other bad EJSON.
function holdsInvalidDate(value: unknown): boolean {
  if (value instanceof Date) return Number.isNaN(value.getTime());
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return value.some(holdsInvalidDate);
  for (const key in value) if (holdsInvalidDate((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** Flags reported by {@link inspectWire}. */
export const WireFlags = {
  /** Nests deeper than the limit (the walk stopped there). */
  TooDeep: 1,
  /** Some object has an own `__proto__` key. */
  ProtoKey: 2,
  /** Some object has a key starting with `$` (EJSON may apply). */
  Dollar: 4,
} as const;

/**
 * One bounded walk over a parsed JSON value: does it nest `limit` levels or more, hold a `__proto__` key,
 * or hold any `$` key? Returns a bit set of {@link WireFlags}.
 */
export function inspectWire(value: unknown, limit: number, depth = 0): number {
  if (value === null || typeof value !== 'object') return 0;
  if (depth >= limit) return WireFlags.TooDeep;
  let flags = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      flags |= inspectWire(item, limit, depth + 1);
      if (flags & WireFlags.TooDeep) return flags;
    }
    return flags;
  }
  for (const key in value) {
    const c = key.charCodeAt(0);
    if (c === 36 /* $ */) flags |= WireFlags.Dollar;
    else if (c === 95 /* _ */ && key === '__proto__') flags |= WireFlags.ProtoKey;
    flags |= inspectWire((value as Record<string, unknown>)[key], limit, depth + 1);
    if (flags & WireFlags.TooDeep) return flags;
  }
  return flags;
}

/** Whether a JSON value holds more than `limit` nested objects/arrays (the value itself is level 1). */
export function exceedsDepth(value: unknown, limit: number, depth = 0): boolean {
  return (inspectWire(value, limit, depth) & WireFlags.TooDeep) !== 0;
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
