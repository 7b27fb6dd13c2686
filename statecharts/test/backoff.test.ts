import { describe, expect, it } from 'vitest';
import { backoff, DEFAULT_BACKOFF_OPTIONS, resolveBackoff, seededRandom } from '../src/backoff.js';

const lo = () => 0;
const hi = () => 1 - Number.EPSILON;

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return {
    mean,
    sd: Math.sqrt(variance),
    min: Math.min(...xs),
    max: Math.max(...xs),
    distinct: new Set(xs).size,
  };
}

describe('backoff', () => {
  it("uses Meteor's constants by default", () => {
    expect(DEFAULT_BACKOFF_OPTIONS).toMatchObject({
      baseTimeout: 1000,
      exponent: 2.2,
      maxTimeout: 300_000,
      minTimeout: 10,
      minCount: 2,
      fuzz: 0.5,
    });
  });

  it('returns 10 ms for attempts 0 and 1 without drawing randomness', () => {
    const never = () => {
      throw new Error('random() must not be called');
    };
    expect(backoff(0, {}, never)).toBe(10);
    expect(backoff(1, {}, never)).toBe(10);
  });

  it.each([
    [2, 4840, 3630, 6050],
    [3, 10648, 7986, 13310],
    [4, 23425.6, 17569.2, 29282],
    [7, 249435.8, 187076.9, 311794.8],
    [8, 300000, 225000, 375000],
    [50, 300000, 225000, 375000],
  ])('attempt %i: base %f, range [%f, %f)', (attempt, base, min, max) => {
    expect(backoff(attempt, {}, () => 0.5)).toBeCloseTo(base, 0);
    expect(backoff(attempt, {}, lo)).toBeCloseTo(min, 0);
    expect(backoff(attempt, {}, hi)).toBeLessThan(max + 1e-6);
    expect(backoff(attempt, {}, hi)).toBeGreaterThan(max - 1);
  });

  it('applies the fuzz after the cap, so delays at the cap reach 375 s', () => {
    expect(backoff(20, {}, hi)).toBeGreaterThan(300_000);
  });

  it('honours options and jitter: none', () => {
    expect(backoff(3, { baseTimeout: 500, exponent: 2, maxTimeout: 3000, jitter: 'none' })).toBe(3000);
    expect(backoff(0, { minTimeout: 250 })).toBe(250);
    expect(backoff(1, { minCount: 1, jitter: 'none' })).toBe(2200);
  });

  it('full jitter stays in [minTimeout, capped]', () => {
    expect(backoff(50, { jitter: 'full' }, lo)).toBe(10);
    expect(backoff(50, { jitter: 'full' }, () => 0.5)).toBe(150_000);
    expect(backoff(50, { jitter: 'full' }, hi)).toBeLessThanOrEqual(300_000);
  });

  it('rejects a negative or non-finite attempt', () => {
    expect(() => backoff(-1)).toThrow(RangeError);
    expect(() => backoff(Number.NaN)).toThrow(RangeError);
  });

  it('resolveBackoff accepts options, a function or nothing', () => {
    const r = seededRandom(1);
    expect(resolveBackoff(undefined)(0, r)).toBe(10);
    expect(resolveBackoff({ minTimeout: 5 })(1, r)).toBe(5);
    expect(resolveBackoff((n) => n * 100)(3, r)).toBe(300);
  });

  describe('jitter never collapses to a constant at the cap (statistical)', () => {
    const N = 20_000;

    it('Meteor fuzz at attempt 50 spreads uniformly over [0.75, 1.25) × 300000', () => {
      const random = seededRandom(42);
      const draws = Array.from({ length: N }, () => backoff(50, {}, random));
      const s = stats(draws);
      // Uniform on [225000, 375000): mean 300000, sd = 150000/sqrt(12) ≈ 43301.
      expect(s.min).toBeGreaterThanOrEqual(225_000);
      expect(s.max).toBeLessThan(375_000);
      expect(s.max - s.min).toBeGreaterThan(0.99 * 150_000);
      expect(Math.abs(s.mean - 300_000)).toBeLessThan(2_000);
      expect(Math.abs(s.sd - 43_301)).toBeLessThan(1_500);
      expect(s.distinct).toBeGreaterThan(0.99 * N);
      // No point mass: no single value is drawn more than a handful of times (socket.io's pre-clamp
      // jitter puts 100% of the mass on exactly 5000 ms from attempt 5 on).
      const atCap = draws.filter((d) => d === 300_000).length;
      expect(atCap / N).toBeLessThan(0.001);
      // Each tenth of the range gets roughly a tenth of the draws.
      const bins = new Array(10).fill(0);
      for (const d of draws) bins[Math.floor((d - 225_000) / 15_000)]++;
      for (const b of bins) expect(Math.abs(b / N - 0.1)).toBeLessThan(0.015);
    });

    it('full jitter at attempt 50 spreads uniformly over [0, 300000]', () => {
      const random = seededRandom(7);
      const draws = Array.from({ length: N }, () => backoff(50, { jitter: 'full' }, random));
      const s = stats(draws);
      expect(s.min).toBeGreaterThanOrEqual(10);
      expect(s.max).toBeLessThanOrEqual(300_000);
      expect(s.max - s.min).toBeGreaterThan(0.99 * 300_000);
      expect(Math.abs(s.mean - 150_000)).toBeLessThan(4_000);
      // sd of U[0, 300000] = 300000/sqrt(12) ≈ 86603.
      expect(Math.abs(s.sd - 86_603)).toBeLessThan(2_500);
      expect(draws.filter((d) => d === 300_000).length / N).toBeLessThan(0.001);
    });

    it('works with Math.random too (the default source)', () => {
      const draws = Array.from({ length: 2_000 }, () => backoff(50));
      const s = stats(draws);
      expect(s.sd).toBeGreaterThan(35_000);
      expect(s.distinct).toBeGreaterThan(1_990);
    });
  });
});
