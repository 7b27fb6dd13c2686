import { describe, expect, it } from 'vitest';
import { connectionTestPaths } from '../src/testPaths.js';

describe('connectionTestPaths (the helper apps use)', () => {
  const paths = connectionTestPaths();

  it('yields { description, steps: [{ event, expectedStatus }] } from a fresh connection', () => {
    expect(paths.length).toBeGreaterThan(100);
    const p = paths.find((x) => x.description === 'TRANSPORT.OPEN → DISCONNECT ⇒ offline');
    expect(p).toBeDefined();
    expect(p?.initialStatus).toEqual({ status: 'connecting', connected: false, retryCount: 0 });
    expect(p?.steps.map((s) => [s.event.type, s.expectedStatus])).toEqual([
      ['TRANSPORT.OPEN', { status: 'connected', connected: true, retryCount: 0 }],
      ['DISCONNECT', { status: 'offline', connected: false, retryCount: 0 }],
    ]);
  });

  it('reaches every status value, including both kinds of failed', () => {
    const finals = new Set(
      paths.map((p) => JSON.stringify(p.steps.at(-1)?.state ?? { linked: 'connecting' })),
    );
    for (const v of [
      '{"linked":"connecting"}',
      '"waiting"',
      '"offline"',
      '{"failed":"permanent"}',
      '{"failed":"retryable"}',
    ])
      expect(finals).toContain(v);
    const statuses = new Set(paths.flatMap((p) => p.steps.map((s) => s.expectedStatus.status)));
    expect([...statuses].sort()).toEqual(['connected', 'connecting', 'failed', 'offline', 'waiting']);
  });

  it('turns timers into TIMER steps with the ms to advance, and computes retryTime from startTime', () => {
    const [p] = connectionTestPaths({ startTime: 1000, endingIn: 'connecting' }).filter(
      (x) => x.description === 'TRANSPORT.CLOSED → after backoff ⇒ linked.connecting',
    );
    expect(p?.steps.map((s) => s.event)).toEqual([
      { type: 'TRANSPORT.CLOSED', code: 1006, reason: '' },
      { type: 'TIMER', delay: 'backoff', ms: 10 },
    ]);
    expect(p?.steps[0]?.expectedStatus).toEqual({
      status: 'waiting',
      connected: false,
      retryCount: 0,
      retryTime: 1010,
    });
    expect(p?.steps[1]?.expectedStatus).toEqual({ status: 'connecting', connected: false, retryCount: 1 });
  });

  it('endingIn filters by final status; simple paths walk the status graph', () => {
    const offline = connectionTestPaths({ endingIn: 'offline' });
    expect(
      offline.every((p) => (p.steps.at(-1)?.expectedStatus ?? p.initialStatus).status === 'offline'),
    ).toBe(true);
    const simple = connectionTestPaths({ algorithm: 'simple' });
    expect(simple.length).toBeGreaterThan(20);
  });
});
