import { describe, expect, it } from 'vitest';
import { clientAddressOf, forwardedCountFromEnv, HEADER_WHITELIST, whitelistHeaders } from '../src/index.js';

describe('clientAddressOf (§7.3, n-th from the right)', () => {
  const h = (xff?: string) => (xff === undefined ? {} : { 'x-forwarded-for': xff });
  it.each([
    [0, '1.1.1.1, 2.2.2.2', '10.0.0.1'],
    [1, '1.1.1.1, 2.2.2.2', '2.2.2.2'],
    [2, '1.1.1.1, 2.2.2.2', '1.1.1.1'],
    [3, '1.1.1.1, 2.2.2.2', null], // fewer entries than proxies
    [1, '  3.3.3.3  ', '3.3.3.3'],
    [2, 'spoofed, 1.1.1.1,2.2.2.2', '1.1.1.1'], // more entries: client-written ones ignored
    [1, 'garbage', null],
    [1, '1.1.1.1, ', null],
    [1, '', null],
    [-1, '1.1.1.1', null],
    [1, '::1', '::1'],
  ])('n=%s xff=%j → %s', (n, xff, expected) => {
    expect(clientAddressOf('10.0.0.1', h(xff), n)).toBe(expected);
  });
  it('no header with n ≠ 0 → null', () => {
    expect(clientAddressOf('10.0.0.1', {}, 1)).toBeNull();
  });
  it('HTTP_FORWARDED_COUNT parsing: invalid or empty → 0', () => {
    expect(forwardedCountFromEnv(undefined)).toBe(0);
    expect(forwardedCountFromEnv('')).toBe(0);
    expect(forwardedCountFromEnv('abc')).toBe(0);
    expect(forwardedCountFromEnv('2')).toBe(2);
    expect(forwardedCountFromEnv('-1')).toBe(-1);
  });
});

describe('whitelistHeaders (§7.4)', () => {
  it('copies exactly the sockjs whitelist', () => {
    const all: Record<string, string> = { cookie: 'c', authorization: 'a', 'x-other': 'o' };
    for (const k of HEADER_WHITELIST) all[k] = `v-${k}`;
    const out = whitelistHeaders(all);
    expect(Object.keys(out).sort()).toEqual([...HEADER_WHITELIST].sort());
    expect(out.cookie).toBeUndefined();
    expect(out.authorization).toBeUndefined();
  });
});
