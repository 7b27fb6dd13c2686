import { describe, expect, it } from 'vitest';
import { FANOUT_CONTENDERS } from '../src/benches/fanout.js';
import { RTT_CONTENDERS } from '../src/benches/roundTrip.js';
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
  }, 150_000);

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
      expect(row.firstMs, label).toBeGreaterThanOrEqual(0);
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
    expect(results.storms).toHaveLength(4);
    for (const s of results.storms) {
      const label = `${s.scenario}/${s.backoff}`;
      expect(s.recovered, label).toBe(s.clients);
      expect(s.recoveryMs, label).toBeGreaterThanOrEqual(0);
      expect(s.calls, label).toBeGreaterThanOrEqual(s.clients * 3);
      expect(s.lost, label).toBe(0);
      expect(s.duplicated, label).toBe(0);
      if (s.scenario === 'drop-resume') expect(s.resumed, label).toBe(s.clients);
    }
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
    for (const [name, svg] of Object.entries(plots(results))) {
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg).not.toContain('NaN');
    }
  });
});
