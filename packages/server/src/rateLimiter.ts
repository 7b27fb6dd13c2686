import { DDPError, type WireError } from '@ddpx/protocol';

/** What the server counts: one method call or one subscription, as Meteor's `DDPRateLimiter` sees it. */
export interface RateLimitInput {
  /** `'method'` for a method call, `'subscription'` for a `sub`. */
  type: 'method' | 'subscription';
  /** The method or publication name. */
  name: string;
  /** The caller's user id, or null when nobody is logged in. */
  userId: string | null;
  /** The DDP session id (`connection.id`). */
  connectionId: string;
  /** The client's IP address (`connection.clientAddress`), null when unknown. */
  clientAddress: string | null;
}

/** One matcher value: a value compared with `===`, or a predicate over the input's value. */
export type MatcherValue<T> = T | ((value: T) => boolean);

/**
 * Which inputs a rule counts. A key absent from the matcher (or set to `null`/`undefined`, as Meteor
 * allows) matches anything and is not part of the bucket key; to match a null `userId`, use a
 * predicate such as `(id) => id === null`.
 */
export type RateLimitMatcher = {
  [K in keyof RateLimitInput]?: MatcherValue<RateLimitInput[K]> | null;
};

/** The answer for one input; `numInvocationsLeft` is the fewest left over every matching rule. */
export interface RateLimitReply {
  /** False once any matching rule's counter for this input's bucket is above its allowance. */
  allowed: boolean;
  /** Milliseconds until the counters that matter reset: the longest of the violated rules when refused. */
  timeToReset: number;
  /** Calls left in the current interval before the limit (Infinity when no rule matched; 0 when refused). */
  numInvocationsLeft: number;
}

/** Called for every rule an input matches, with the reply so far and the input (Meteor's `callback`). */
export type RateLimitCallback = (reply: Readonly<RateLimitReply>, input: Readonly<RateLimitInput>) => void;

/** The error text: a fixed string, or a function of the refusal (Meteor's `setErrorMessage`). */
export type RateLimitMessage = string | ((reply: Readonly<RateLimitReply>) => string);

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
  /** Receives what a rule callback throws (the check itself goes on, as in Meteor). @default console.error */
  onCallbackError?: (error: unknown) => void;
}

/** Meteor's defaults for a rule given 0 or no value (`numRequests || 10`, `timeInterval || 1000`). */
export const RATE_LIMIT_DEFAULTS = Object.freeze({ numRequests: 10, timeIntervalMs: 1000 } as const);

const MATCHER_KEYS = ['type', 'name', 'userId', 'connectionId', 'clientAddress'] as const;

/** Meteor's `DDPRateLimiter.getErrorMessage` text for a refusal. */
export function defaultRateLimitMessage(reply: Readonly<RateLimitReply>): string {
  return `Error, too many requests. Please slow down. You must wait ${Math.ceil(
    reply.timeToReset / 1000,
  )} seconds before trying again.`;
}

class Rule {
  private lastReset: number;
  /** Invocation counts per bucket, for the current interval only. */
  private counters = new Map<string, number>();
  private readonly keys: (keyof RateLimitInput)[];

  constructor(
    private readonly matcher: RateLimitMatcher,
    readonly numRequests: number,
    readonly intervalMs: number,
    readonly callback: RateLimitCallback | undefined,
    now: number,
  ) {
    this.lastReset = now;
    this.keys = MATCHER_KEYS.filter((k) => matcher[k] !== undefined && matcher[k] !== null);
  }

  /** Meteor's `match`: every non-null matcher key must equal the input's value or accept it. */
  matches(input: RateLimitInput): boolean {
    for (const key of this.keys) {
      const m = this.matcher[key] as MatcherValue<unknown>;
      if (typeof m === 'function' ? !(m as (v: unknown) => boolean)(input[key]) : m !== input[key]) {
        return false;
      }
    }
    return true;
  }

  /** The bucket: the input's values of the matcher's keys (unambiguous, unlike Meteor's concatenation). */
  bucket(input: RateLimitInput): string {
    return JSON.stringify(this.keys.map((k) => input[k]));
  }

  /** Meteor's lazy fixed window: once more than an interval passed since the last reset, drop all counters. */
  private resetIfDue(now: number): void {
    if (now - this.lastReset > this.intervalMs) {
      this.counters = new Map();
      this.lastReset = now;
    }
  }

  increment(input: RateLimitInput, now: number): void {
    this.resetIfDue(now);
    const key = this.bucket(input);
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /** The count of this input's bucket and the time to the next reset. */
  read(input: RateLimitInput, now: number): { count: number; timeToNextReset: number } {
    this.resetIfDue(now);
    return {
      count: this.counters.get(this.bucket(input)) ?? 0,
      timeToNextReset: this.intervalMs - (now - this.lastReset),
    };
  }

  /** Buckets currently held (for the memory bound). */
  get size(): number {
    return this.counters.size;
  }
}

/**
 * Meteor's `DDPRateLimiter` (`rate-limit` package) with an injectable clock: rules match inputs by
 * value or predicate, count per bucket in fixed windows, and refuse once a bucket's count is above
 * the rule's allowance. Memory: a rule holds one counter per distinct bucket seen since its last
 * reset, and drops them all at the reset, so it never holds more buckets than it counted inputs in
 * one interval.
 */
export class RateLimiter {
  private readonly rules = new Map<string, Rule>();
  private nextRuleId = 1;
  private message: RateLimitMessage = defaultRateLimitMessage;
  private readonly clock: () => number;
  private readonly onCallbackError: (error: unknown) => void;

  constructor(options: RateLimiterOptions = {}) {
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new TypeError('now must be a function');
    }
    this.clock = options.now ?? Date.now;
    this.onCallbackError = options.onCallbackError ?? ((e) => console.error(e));
  }

  /**
   * Adds a rule: at most `numRequests` matching inputs per bucket per `timeIntervalMs`; returns its id.
   * 0 or a missing value takes Meteor's default (10 per 1000 ms).
   */
  addRule(
    matcher: RateLimitMatcher,
    numRequests?: number,
    timeIntervalMs?: number,
    callback?: RateLimitCallback,
  ): string {
    if (matcher === null || typeof matcher !== 'object') throw new TypeError('matcher must be an object');
    for (const [key, value] of Object.entries(matcher)) {
      // Meteor silently never matches a rule with a key the input lacks; that is always a typo here.
      if (value !== null && value !== undefined && !(MATCHER_KEYS as readonly string[]).includes(key)) {
        throw new TypeError(`unknown matcher key '${key}' (expected one of ${MATCHER_KEYS.join(', ')})`);
      }
    }
    const n = numRequests || RATE_LIMIT_DEFAULTS.numRequests;
    const t = timeIntervalMs || RATE_LIMIT_DEFAULTS.timeIntervalMs;
    if (!(n > 0) || !(t > 0)) throw new RangeError('numRequests and timeIntervalMs must be positive');
    if (callback !== undefined && typeof callback !== 'function') {
      throw new TypeError('callback must be a function');
    }
    const id = String(this.nextRuleId++);
    this.rules.set(id, new Rule({ ...matcher }, n, t, callback, this.clock()));
    return id;
  }

  /** Removes a rule (and any limit it had reached); false when no rule has this id. */
  removeRule(ruleId: string): boolean {
    return this.rules.delete(ruleId);
  }

  /** Number of rules. */
  get ruleCount(): number {
    return this.rules.size;
  }

  /** Counters held over all rules (at most the inputs counted in each rule's current interval). */
  get bucketCount(): number {
    let n = 0;
    for (const rule of this.rules.values()) n += rule.size;
    return n;
  }

  /**
   * What the server calls once per method call or `sub`: counts the input in every matching rule, then
   * decides (Meteor's `_increment` followed by `_check`).
   */
  check(input: RateLimitInput, now: number = this.clock()): RateLimitReply {
    this.increment(input, now);
    return this.evaluate(input, now);
  }

  /** Meteor's `increment`: counts the input in every rule it matches, without deciding. */
  increment(input: RateLimitInput, now: number = this.clock()): void {
    for (const rule of this.rules.values()) if (rule.matches(input)) rule.increment(input, now);
  }

  /** Meteor's `check`: decides from the counts so far, without counting; runs matching rules' callbacks. */
  evaluate(input: RateLimitInput, now: number = this.clock()): RateLimitReply {
    const reply: RateLimitReply = {
      allowed: true,
      timeToReset: 0,
      numInvocationsLeft: Number.POSITIVE_INFINITY,
    };
    for (const rule of this.rules.values()) {
      if (!rule.matches(input)) continue;
      const { count, timeToNextReset } = rule.read(input, now);
      if (count > rule.numRequests) {
        // Refused: report the longest wait over every violated rule.
        reply.timeToReset = Math.max(reply.timeToReset, timeToNextReset);
        reply.allowed = false;
        reply.numInvocationsLeft = 0;
      } else if (reply.allowed && rule.numRequests - count < reply.numInvocationsLeft) {
        reply.timeToReset = timeToNextReset;
        reply.numInvocationsLeft = rule.numRequests - count;
      }
      if (rule.callback) {
        try {
          rule.callback({ ...reply }, input);
        } catch (err) {
          this.onCallbackError(err);
        }
      }
    }
    return reply;
  }

  /** Replaces the refusal text (Meteor's `DDPRateLimiter.setErrorMessage`). */
  setErrorMessage(message: RateLimitMessage): void {
    if (typeof message !== 'string' && typeof message !== 'function') {
      throw new TypeError('message must be a string or a function');
    }
    this.message = message;
  }

  /** The refusal text for a reply (Meteor's `DDPRateLimiter.getErrorMessage`). */
  getErrorMessage(reply: Readonly<RateLimitReply>): string {
    return typeof this.message === 'function' ? this.message(reply) : this.message;
  }

  /** The error to send for a refusal: `too-many-requests`, Meteor's text, `details: { timeToReset }`. */
  errorFor(reply: Readonly<RateLimitReply>): DDPError {
    return new DDPError('too-many-requests', this.getErrorMessage(reply), { timeToReset: reply.timeToReset });
  }
}

/** The `too-many-requests` error when `limiter` refuses `input`, else undefined (no rules: no clock read). */
export function rateLimitRefusal(limiter: RateLimiter, input: RateLimitInput): WireError | undefined {
  if (limiter.ruleCount === 0) return undefined;
  const reply = limiter.check(input);
  return reply.allowed ? undefined : limiter.errorFor(reply).toWire();
}
