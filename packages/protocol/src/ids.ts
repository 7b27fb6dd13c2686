/** Meteor's id alphabet: no look-alike characters (17 chars of it make a `Random.id()`). */
export const UNMISTAKABLE_CHARS = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

// Rejection sampling over crypto bytes keeps every character equally likely.
function secureString(length: number, alphabet: string): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`length must be a non-negative integer, got ${length}`);
  }
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < limit) out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A crypto-random id in Meteor's alphabet (17 characters by default): session and subscription ids. */
export function randomId(length = 17): string {
  return secureString(length, UNMISTAKABLE_CHARS);
}

/** A crypto-random `randomSeed` for a method call: 20 hex characters. */
export function randomSeed(): string {
  return secureString(20, HEX);
}

// Johannes Baagøe's Mash and Alea, as Meteor's `Random.createWithSeeds` uses them. Verified against
// Meteor's own test vector: alea(0) yields the ids 'cp9hWvhg8GSvuZ9os', '3f3k6Xo7rrHCifQhR', … (test/ids.test.ts).
function mash(): (data: unknown) => number {
  let n = 0xefc8249d;
  return (data) => {
    const s = String(data);
    for (let i = 0; i < s.length; i++) {
      n += s.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
}

/** A seeded Alea generator (Meteor's deterministic PRNG). */
export function alea(...seeds: unknown[]): RandomSource {
  const m = mash();
  let s0 = m(' ');
  let s1 = m(' ');
  let s2 = m(' ');
  let c = 1;
  for (const seed of seeds) {
    s0 -= m(seed);
    if (s0 < 0) s0 += 1;
    s1 -= m(seed);
    if (s1 < 0) s1 += 1;
    s2 -= m(seed);
    if (s2 < 0) s2 += 1;
  }
  return () => {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    return s2;
  };
}

/** A string of `length` characters drawn from `alphabet` with `random`. */
export function randomString(random: RandomSource, length: number, alphabet: string): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`length must be a non-negative integer, got ${length}`);
  }
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/**
 * Meteor's `RandomStream`: named, independent Alea sequences derived from one `randomSeed`, so a client
 * stub and the server method generate the same document ids.
 */
export class RandomStream {
  private readonly sequences = new Map<string, RandomSource>();
  constructor(readonly seed: string) {}

  /** The generator for `name` (e.g. '/collection/tasks'), created on first use. */
  sequence(name: string): RandomSource {
    let seq = this.sequences.get(name);
    if (!seq) {
      seq = alea(this.seed, name);
      this.sequences.set(name, seq);
    }
    return seq;
  }

  /** A Meteor-style 17-character id from the named sequence. */
  id(name: string): string {
    return randomString(this.sequence(name), 17, UNMISTAKABLE_CHARS);
  }

  /** A hex string from the named sequence (Meteor derives nested `randomSeed`s this way). */
  hexString(name: string, digits: number): string {
    return randomString(this.sequence(name), digits, HEX);
  }
}
