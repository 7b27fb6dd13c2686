import { describe, expect, it } from 'vitest';
import { alea, RandomStream, randomId, randomSeed, randomString, UNMISTAKABLE_CHARS } from '../src/index.js';

describe('randomId', () => {
  it("uses Meteor's 55-character unmistakable alphabet", () => {
    expect(UNMISTAKABLE_CHARS).toBe('23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz');
    expect(new Set(UNMISTAKABLE_CHARS).size).toBe(55);
    for (const lookalike of '01IOlUV') expect(UNMISTAKABLE_CHARS).not.toContain(lookalike);
  });

  it('makes 17 characters by default, or the length asked', () => {
    expect(randomId()).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/);
    expect(randomId(5)).toHaveLength(5);
    expect(randomId(0)).toBe('');
  });

  it('never repeats over 20 000 ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(randomId());
    expect(ids.size).toBe(20_000);
  });

  it('draws every character about equally often (chi-square)', () => {
    const counts = new Map<string, number>();
    const samples = 20_000 * 17;
    let text = '';
    for (let i = 0; i < 20_000; i++) text += randomId();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(55);
    const expected = samples / 55;
    let chi2 = 0;
    for (const ch of UNMISTAKABLE_CHARS) chi2 += ((counts.get(ch) ?? 0) - expected) ** 2 / expected;
    // 54 degrees of freedom: p(chi2 > 110) < 1e-5, so a fair source essentially never fails this; a
    // modulo-biased one (256 % 55 ≠ 0) scores in the hundreds at this sample size.
    expect(chi2).toBeLessThan(110);
  });

  it('refuses a negative or fractional length (misuse)', () => {
    expect(() => randomId(-1)).toThrow(RangeError);
    expect(() => randomId(1.5)).toThrow(RangeError);
  });
});

describe('randomSeed', () => {
  it('is 20 lowercase hex characters, different each time', () => {
    const seeds = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const seed = randomSeed();
      expect(seed).toMatch(/^[0-9a-f]{20}$/);
      seeds.add(seed);
    }
    expect(seeds.size).toBe(1000);
  });
});

describe('alea (Meteor Random.createWithSeeds)', () => {
  it("reproduces Meteor's own test vector for seed 0", () => {
    // packages/random/random_tests.js: Random.create(0).id() × 4
    const random = alea(0);
    const ids = Array.from({ length: 4 }, () => randomString(random, 17, UNMISTAKABLE_CHARS));
    expect(ids).toEqual(['cp9hWvhg8GSvuZ9os', '3f3k6Xo7rrHCifQhR', 'shxDnjWWmnKPEoLhM', '6QTjB8C5SEqhmz4ni']);
  });

  it('returns fractions in [0, 1)', () => {
    const random = alea('x', 'y');
    for (let i = 0; i < 10_000; i++) {
      const f = random();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });

  it('depends on every seed', () => {
    expect(alea('a', 'b')()).not.toBe(alea('a', 'c')());
    expect(alea('a', 'b')()).not.toBe(alea('b', 'a')());
  });
});

describe('RandomStream', () => {
  it('gives the same ids for the same seed and name (stub and server agree)', () => {
    const client = new RandomStream('0123456789abcdef0123');
    const server = new RandomStream('0123456789abcdef0123');
    const a = [client.id('/collection/tasks'), client.id('/collection/tasks')];
    const b = [server.id('/collection/tasks'), server.id('/collection/tasks')];
    expect(a).toEqual(b);
    expect(a[0]).not.toBe(a[1]);
    expect(a[0]).toMatch(/^[23456789A-HJ-NP-TW-Za-km-z]{17}$/);
  });

  it('equals Alea seeded with (seed, name), as Meteor builds its sequences', () => {
    const stream = new RandomStream('seed');
    expect(stream.id('/collection/x')).toBe(
      randomString(alea('seed', '/collection/x'), 17, UNMISTAKABLE_CHARS),
    );
  });

  it('keeps names independent: using one sequence does not shift another', () => {
    const one = new RandomStream('s');
    const two = new RandomStream('s');
    one.id('/collection/a');
    one.id('/collection/a');
    expect(one.id('/collection/b')).toBe(two.id('/collection/b'));
    expect(new RandomStream('s').id('/collection/a')).not.toBe(new RandomStream('s').id('/collection/b'));
  });

  it('derives different streams from different seeds', () => {
    expect(new RandomStream('s1').id('n')).not.toBe(new RandomStream('s2').id('n'));
  });

  it('makes hex strings (nested randomSeeds)', () => {
    const hex = new RandomStream('s').hexString('/rpc/m', 20);
    expect(hex).toMatch(/^[0-9a-f]{20}$/);
    expect(new RandomStream('s').hexString('/rpc/m', 20)).toBe(hex);
  });
});
