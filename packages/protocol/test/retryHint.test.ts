import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryHint, withRetryHint } from '../src/index.js';

describe('the retry hint in a close reason', () => {
  it('round-trips whole milliseconds after any reason text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 0, max: 999_999_999 }), (reason, ms) => {
        expect(parseRetryHint(withRetryHint(reason, ms))).toBe(ms);
      }),
    );
  });

  it('rounds, never goes negative, and reads nothing from reasons without a well-formed hint', () => {
    expect(withRetryHint('server-close', 1234.6)).toBe('server-close;retry-in=1235');
    expect(withRetryHint('server-close', -5)).toBe('server-close;retry-in=0');
    for (const reason of [
      undefined,
      '',
      'server-close',
      'server-close;retry-in=',
      'server-close;retry-in=-3',
      'server-close;retry-in=12ms',
      'server-close;retry-in=1e9',
      'server-close;retry-in=1234567890', // over 9 digits
      'x;retry-in=5;y',
    ])
      expect(parseRetryHint(reason), String(reason)).toBeUndefined();
  });
});
