/**
 * Reconnect backoff as a pure function of the attempt number.
 *
 * The defaults are Meteor's `Retry` constants (`ddp-behaviour.md` §3.1): 10 ms for attempts 0 and 1,
 * then `min(300 s, 1 s × 2.2^attempt)` multiplied by a factor uniform in `[0.75, 1.25)`. The fuzz is
 * applied *after* the cap, so a crowd of clients stuck at the cap still spreads over 225–375 s instead
 * of collapsing onto one instant (the reconnect storm socket.io's pre-clamp jitter allows).
 */

/** Options for {@link backoff}; every field defaults to Meteor's value. */
export interface BackoffOptions {
  /** Base of the exponential, in ms. @default 1000 */
  baseTimeout?: number;
  /** Growth factor per attempt. @default 2.2 */
  exponent?: number;
  /** Cap applied before the jitter. @default 300000 */
  maxTimeout?: number;
  /** Delay used while `attempt < minCount`. @default 10 */
  minTimeout?: number;
  /** Attempts that use `minTimeout` (Meteor retries twice almost at once). @default 2 */
  minCount?: number;
  /** Width of the multiplicative jitter: the factor is uniform in `[1 - fuzz/2, 1 + fuzz/2)`. @default 0.5 */
  fuzz?: number;
  /**
   * `'fuzz'` is Meteor's multiplicative fuzz around the capped value; `'full'` draws uniformly in
   * `[0, capped]` (AWS-style "full jitter"; never below `minTimeout`); `'none'` is deterministic.
   * @default 'fuzz'
   */
  jitter?: 'fuzz' | 'full' | 'none';
}

/** A custom delay rule: `(attempt, random) => ms`. `random()` returns a number in `[0, 1)`. */
export type BackoffFunction = (attempt: number, random: () => number) => number;

/** Meteor's `Retry` defaults, exported so options can be documented and tested against them. */
export const DEFAULT_BACKOFF_OPTIONS: Readonly<Required<BackoffOptions>> = Object.freeze({
  baseTimeout: 1000,
  exponent: 2.2,
  maxTimeout: 300_000,
  minTimeout: 10,
  minCount: 2,
  fuzz: 0.5,
  jitter: 'fuzz',
});

/**
 * The delay in ms before reconnect attempt `attempt` (Meteor's `retryCount`, starting at 0).
 * Pure when `random` is given; it defaults to `Math.random` only for callers outside the machines
 * (the machines always pass their injected source).
 */
export function backoff(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  if (!Number.isFinite(attempt) || attempt < 0)
    throw new RangeError(`attempt must be a non-negative number, got ${attempt}`);
  const o = { ...DEFAULT_BACKOFF_OPTIONS, ...options };
  if (attempt < o.minCount) return o.minTimeout;
  const capped = Math.min(o.maxTimeout, o.baseTimeout * o.exponent ** attempt);
  switch (o.jitter) {
    case 'none':
      return capped;
    case 'full':
      return Math.max(o.minTimeout, random() * capped);
    default:
      return capped * (random() * o.fuzz + 1 - o.fuzz / 2);
  }
}

/** Turns `ConnectOptions.backoff` (options, a function or nothing) into a {@link BackoffFunction}. */
export function resolveBackoff(spec: BackoffOptions | BackoffFunction | undefined): BackoffFunction {
  if (typeof spec === 'function') return spec;
  const options = spec ?? {};
  return (attempt, random) => backoff(attempt, options, random);
}

/**
 * A small deterministic PRNG (mulberry32), the machines' default `random()` when none is injected,
 * so a bare machine is reproducible yet its jitter still varies between draws.
 */
export function seededRandom(seed = 0x2f6b_1a3d): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
