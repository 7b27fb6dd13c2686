/**
 * A stable key for a subscription's arguments: their JSON (so a new but equal array or object literal on
 * every render does not restart the subscription). Values JSON cannot show (functions, cycles) fall
 * back to a per-value identity, so such arguments restart only when they really change.
 */
export function argsKey(args: readonly unknown[], identities: WeakMap<object, number>): string {
  try {
    return JSON.stringify(args, (_key, value: unknown) => {
      if (typeof value === 'function') return `function#${identityOf(value, identities)}`;
      if (typeof value === 'bigint') return `${String(value)}n`;
      if (value === undefined) return '__undefined__';
      return value;
    });
  } catch {
    return args
      .map((a) => (typeof a === 'object' && a !== null ? `#${identityOf(a, identities)}` : String(a)))
      .join('|');
  }
}

let next = 1;
function identityOf(value: object, identities: WeakMap<object, number>): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = next++;
    identities.set(value, id);
  }
  return id;
}
