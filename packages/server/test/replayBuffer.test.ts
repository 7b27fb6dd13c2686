import { describe, expect, it } from 'vitest';
import { ReplayBudget, ReplayBuffer } from '../src/replayBuffer.js';

describe('ReplayBuffer', () => {
  it('numbers messages, replays from any count inside the buffer, refuses counts outside it', () => {
    const b = new ReplayBuffer(3, 1e9, new ReplayBudget(1e9));
    b.push(null); // connected = 1
    for (const f of ['a', 'b', 'c', 'd']) b.push(f);
    expect(b.sentCount).toBe(5);
    expect(b.since(5)).toEqual([]);
    expect(b.since(3)).toEqual(['c', 'd']);
    expect(b.since(2)).toEqual(['b', 'c', 'd']);
    expect(b.since(1)).toBeUndefined(); // 'a' was dropped
    expect(b.since(6)).toBeUndefined();
    expect(b.covers(2)).toBe(true);
    expect(b.covers(1)).toBe(false);
  });

  it('rewindTo renumbers so a resumed `connected` comes before the replayed frames', () => {
    const b = new ReplayBuffer(10, 1e9, new ReplayBudget(1e9));
    b.push(null);
    for (const f of ['a', 'b', 'c']) b.push(f);
    expect(b.rewindTo(2)).toEqual(['b', 'c']);
    expect(b.sentCount).toBe(2);
    b.push(null);
    b.push('b');
    b.push('c');
    expect(b.since(3)).toEqual(['b', 'c']);
  });

  it('reports the oldest dropped message and respects the shared byte budget', () => {
    const budget = new ReplayBudget(10);
    const b = new ReplayBuffer(2, 1e9, budget);
    b.push('xxxx');
    b.push('yyyy');
    expect(b.push('zzzz')).toBe(1);
    expect(budget.used).toBe(8);
    b.push('wwwwww');
    expect(budget.used).toBe(10);
    expect(b.shed()).toBe(0);
    b.release();
    expect(budget.used).toBe(0);
  });

  it('numbers messages that are never replayed (connected) without storing them, exactly as stored ones', () => {
    const b = new ReplayBuffer(2, 1e9, new ReplayBudget(1e9));
    b.push(null); // connected = 1
    expect(b.firstHeld).toBe(1);
    expect(b.covers(0)).toBe(true);
    expect(b.since(0)).toEqual([]);
    b.push(null);
    b.push(null); // capacity 2: message 1 is dropped
    expect(b.firstHeld).toBe(2);
    expect(b.covers(0)).toBe(false);
    expect(b.rewindTo(2)).toEqual([]);
    expect(b.sentCount).toBe(2);
    expect(b.firstHeld).toBe(2);
    b.push('a'); // 3: the held null (2) keeps its place before it
    expect(b.firstHeld).toBe(2);
    expect(b.since(1)).toEqual(['a']);
    expect(b.since(2)).toEqual(['a']);
    b.push('b'); // 4: capacity drops 2
    expect(b.since(2)).toEqual(['a', 'b']);
    expect(b.since(3)).toEqual(['b']);
    expect(b.since(1)).toBeUndefined();
  });
});
