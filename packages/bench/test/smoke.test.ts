import { describe, expect, it } from 'vitest';
import { FANOUT_CONTENDERS } from '../src/benches/fanout.js';
import { RTT_CONTENDERS } from '../src/benches/roundTrip.js';
import { redisVersion } from '../src/redisServer.js';
import { markdown, plots } from '../src/report.js';
import { type BenchResults, runAll } from '../src/runAll.js';
import { SMOKE } from '../src/sizes.js';

// Benchmarks are not tests: this runs every benchmark at the smoke size (real child processes over
// loopback) and checks only that each produced sane numbers — never a speed threshold.
describe('pnpm bench:smoke', () => {
  let results: BenchResults;

  it('runs every benchmark at the smoke size', async () => {
    results = await runAll(SMOKE);
    expect(results.size).toBe('smoke');
  }, 200_000);

  it('round trips: every contender answered every call, numbers > 0', () => {
    // Every contender at 1 and at 256 in flight.
    expect(results.roundTrip).toHaveLength(RTT_CONTENDERS.length * 2);
    for (const row of results.roundTrip) {
      expect(row.callsPerSec, row.contender).toBeGreaterThan(0);
      expect(row.p50).toBeGreaterThan(0);
      expect(row.p99).toBeGreaterThanOrEqual(row.p50);
      expect(row.received, `${row.contender} lost calls`).toBe(row.sent);
      expect(row.unmatched, `${row.contender} unmatched replies`).toBe(0);
    }
  });

  it('round trips pinned: the same, where the machine allows pinning', () => {
    expect(results.roundTripPinned).toHaveLength(SMOKE.roundTripPinned.contenders!.length * 2);
    for (const row of results.roundTripPinned) {
      expect(row.callsPerSec, row.contender).toBeGreaterThan(0);
      expect(row.received, `${row.contender} lost calls`).toBe(row.sent);
      expect(row.unmatched, `${row.contender} unmatched replies`).toBe(0);
    }
  });

  it('fan-out: every subscriber got every change, first delivery before the last', () => {
    // Two scenarios × two modes × every contender.
    expect(results.fanout).toHaveLength(4 * FANOUT_CONTENDERS.length);
    for (const row of results.fanout) {
      const label = `${row.contender} ${row.scenario} ${row.mode}`;
      expect(row.received, label).toBe(row.expected);
      expect(row.expected, label).toBeGreaterThan(0);
      // Issue and receipt are stamped in different processes (performance.timeOrigin + now() each), whose
      // clocks agree only to within about a millisecond: a first frame can seem a fraction early.
      expect(row.firstMs, label).toBeGreaterThanOrEqual(-1);
      expect(row.lastMs, label).toBeGreaterThanOrEqual(row.firstMs);
      expect(row.deliveriesPerSec, label).toBeGreaterThan(0);
      expect(row.heapPerSubscriber, label).toBeGreaterThan(0);
    }
  });

  it('memory: every connection opened and cost something', () => {
    expect(results.memory).toHaveLength(6);
    for (const row of results.memory) {
      expect(row.failed, row.contender).toBe(0);
      expect(row.connections).toBeGreaterThan(0);
      expect(row.heapPerConn, row.contender).toBeGreaterThan(0);
    }
  });

  it('storms: every client recovered, no method lost or run twice', () => {
    expect(results.storms.map((s) => `${s.contender}/${s.scenario}`)).toEqual([
      'ddpx/restart',
      'ddpx/restart',
      'ddpx/drop-resume',
      'ddpx/drop-resume',
      'ddpx/drain',
      'ddpx/drain-hint',
      'naive/restart',
    ]);
    for (const s of results.storms) {
      const label = `${s.contender}/${s.scenario}/${s.backoff}`;
      expect(s.cpuPerReconnectMs, label).toBeGreaterThan(0);
      expect(s.recovered, label).toBe(s.clients);
      expect(s.recoveryMs, label).toBeGreaterThanOrEqual(0);
      expect(s.calls, label).toBeGreaterThanOrEqual(s.clients * 3);
      expect(s.lost, label).toBe(0);
      expect(s.duplicated, label).toBe(0);
      if (s.scenario === 'drop-resume') expect(s.resumed, label).toBe(s.clients);
      // Told to come back after the drain (+ afterMs), the clients wait for it; without a hint, Meteor's 10 ms.
      if (s.scenario === 'drain-hint')
        expect(s.firstRetry.min, label).toBeGreaterThanOrEqual(s.comeBack!.afterMs - 20);
      if (s.scenario === 'drain') expect(s.firstRetry.min, label).toBeLessThan(500);
    }
  });

  it('Redis store: round trips answered, Redis used by the Redis store only; rolling restart resumed every client, 0 lost, 0 run twice', () => {
    const redis = results.redis!;
    if (redisVersion() === undefined) {
      // Optional: without redis-server the run says so instead of failing.
      expect(redis.skipped).toContain('redis-server');
      return;
    }
    if (redis.skipped !== undefined) throw new Error(`skipped: ${redis.skipped}`);
    expect(redis.roundTrip).toHaveLength(4);
    for (const row of redis.roundTrip) {
      const label = `${row.store}/${row.inflight}`;
      expect(row.callsPerSec, label).toBeGreaterThan(0);
      expect(row.received, label).toBe(row.sent);
      expect(row.unmatched, label).toBe(0);
      // Every Redis call claims its method id once; the in-memory server sends Redis nothing per call.
      if (row.store === 'redis') expect(row.byCommand.evalsha, label).toBeCloseTo(1, 1);
      else expect(row.commandsPerCall, label).toBeLessThan(0.05);
    }
    const g = redis.rolling;
    expect(g.steps.map((s) => s.stopped)).toEqual(['A', 'B', 'C']);
    for (const s of g.steps) {
      expect(s.moved, s.stopped).toBeGreaterThan(0);
      expect(s.recovered, s.stopped).toBeGreaterThanOrEqual(s.moved);
      expect(s.sameSession, s.stopped).toBe(s.recovered);
      expect(s.allBackMs, s.stopped).toBeGreaterThanOrEqual(0);
    }
    expect(g.sameSession).toBe(g.clients);
    expect(g.calls).toBeGreaterThan(g.clients);
    expect(g.lost).toBe(0);
    expect(g.rejected).toBe(0);
    expect(g.runTwice).toBe(0);
    expect(markdown(results, 'test', 'test machine')).toContain('| stop B |');
  });

  it('client cost: bundles and transition CPU are positive; report and plots render', () => {
    expect(results.bundles.map((b) => b.library)).toEqual([
      '@ddpx/client',
      'simpleddp',
      'ddp.js',
      'socket.io-client',
    ]);
    for (const b of results.bundles) {
      expect(b.minified, b.library).toBeGreaterThan(0);
      expect(b.gzip).toBeGreaterThan(0);
      expect(b.gzip).toBeLessThan(b.minified);
    }
    expect(results.transitions.transitions).toBeGreaterThanOrEqual(SMOKE.transitions);
    expect(results.transitions.cpuUsPer1000).toBeGreaterThan(0);
    const md = markdown(results, 'test', 'test machine');
    expect(md).toContain('| ddpx (ws) | 256 |');
    expect(md).toContain('| naive DDP on ws | 1 |');
    expect(md).toContain('| one publication | burst | ddpx (ws) |');
    expect(md).toContain('| one publication | turn | socket.io (room) |');
    expect(md).toContain('| naive | restart | meteor |');
    expect(md).toMatch(
      /Server CPU per reconnect \(restart, Meteor's backoff\): ddpx [\d.]+ ms, naive DDP pair [\d.]+ ms = [\d.]+×/,
    );
    for (const [name, svg] of Object.entries(plots(results))) {
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg).not.toContain('NaN');
    }
  });
});
