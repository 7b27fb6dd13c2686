import { beforeAll, describe, expect, it } from 'vitest';
import { profileFor } from '../src/profile.js';
import { formatReport } from '../src/report.js';
import { type FuzzReport, runFuzz } from '../src/runFuzz.js';
import { MEMORY_BOUNDS } from '../src/verdict.js';

// The small profile of `pnpm fuzz`: 20,000 hostile frames against a real server in a child process
// (256 MB heap), over real loopback sockets on both transports, while two good clients keep calling.
let report: FuzzReport;

beforeAll(async () => {
  report = await runFuzz(profileFor(Number(process.env.FUZZ_FRAMES ?? 20_000)));
  console.log(formatReport(report));
}, 120_000);

describe('pnpm fuzz (small profile)', () => {
  it('sent every frame of the profile on both transports', () => {
    expect(report.framesSent).toBeGreaterThanOrEqual(report.profile.frames);
    expect(report.connections.websocket).toBeGreaterThan(0);
    expect(report.connections.sockjs).toBeGreaterThan(0);
    expect(report.connections.raw).toBeGreaterThan(0);
    for (const kind of [
      'malformed',
      'protoKeys',
      'ejson',
      'deep',
      'oversize',
      'flood',
      'pingFlood',
      'connect',
    ]) {
      expect(report.byKind[kind as keyof FuzzReport['byKind']] ?? 0, kind).toBeGreaterThan(0);
    }
  });

  it('the server neither crashed nor let an exception or rejection escape', () => {
    expect(report.crash).toBeNull();
    expect(report.unhandled).toEqual([]);
  });

  it('no hostile key reached Object.prototype or Array.prototype', () => {
    expect(report.pollution).toEqual([]);
  });

  it('every call of the good clients came back with the right result', () => {
    for (const g of report.goodClients) {
      expect(g.calls, g.transport).toBeGreaterThan(0);
      expect({ transport: g.transport, failed: g.failed, wrong: g.wrong, lost: g.lost }).toEqual({
        transport: g.transport,
        failed: 0,
        wrong: 0,
        lost: 0,
      });
      expect(g.ok).toBe(g.calls);
    }
  });

  it('server heap after GC comes back within its bound once the grace periods ran out', () => {
    const { start, settled } = report.memory;
    expect(start).toBeDefined();
    expect(settled).toBeDefined();
    expect(settled!.heapUsed - start!.heapUsed).toBeLessThan(MEMORY_BOUNDS.settledHeapBytes);
    expect(settled!.sessions).toBe(0);
    expect(settled!.openSockets).toBe(0);
  });

  it('finds nothing: no hijacked session, no zombie socket, no unbounded slow reader', () => {
    expect(report.findings).toEqual([]);
  });
});
