import { describe, expect, it } from 'vitest';
import { calculateVersion, hasHeartbeat, SUPPORTED_DDP_VERSIONS } from '../src/index.js';

describe('versions', () => {
  it("supports ['1', 'pre2', 'pre1'], most preferred first, frozen", () => {
    expect(SUPPORTED_DDP_VERSIONS).toEqual(['1', 'pre2', 'pre1']);
    expect(Object.isFrozen(SUPPORTED_DDP_VERSIONS)).toBe(true);
  });

  // The table of Meteor's server test of calculateVersion (§1.3).
  const table: Array<[string[], string[], string]> = [
    [['A', 'B', 'C'], ['A', 'B', 'C'], 'A'],
    [['B', 'C'], ['A', 'B', 'C'], 'B'],
    [['A', 'B', 'C'], ['B', 'C'], 'B'],
    [['foo', 'bar', 'baz'], ['A', 'B', 'C'], 'A'],
  ];
  for (const [client, server, expected] of table) {
    it(`client ${client} / server ${server} → ${expected}`, () => {
      expect(calculateVersion(client, server)).toBe(expected);
    });
  }

  it("follows the client's preference, not the server's", () => {
    expect(calculateVersion(['pre1', '1'])).toBe('pre1');
    expect(calculateVersion(['pre2', 'pre1'])).toBe('pre2');
  });

  it("defaults to our versions and answers '1' when nothing is shared", () => {
    expect(calculateVersion(['1', 'pre2', 'pre1'])).toBe('1');
    expect(calculateVersion([])).toBe('1');
    expect(calculateVersion(['2'])).toBe('1');
  });

  it('refuses an empty server list (misuse)', () => {
    expect(() => calculateVersion(['1'], [])).toThrow(RangeError);
  });

  it('has heartbeats on every version but pre1', () => {
    expect(hasHeartbeat('1')).toBe(true);
    expect(hasHeartbeat('pre2')).toBe(true);
    expect(hasHeartbeat('pre1')).toBe(false);
  });
});
