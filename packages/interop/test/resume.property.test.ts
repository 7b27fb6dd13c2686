import { cutAtNth, sleep, until } from '@ddpx/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { converged, exactlyOnceViolations, type Rig, startRig } from './support/harness.js';

// A fast-check property over random cut points and timings: whatever the faults, a resumed session
// delivers every result exactly once, runs every method exactly once, and converges.

const CALLS = 60;
const RUNS = 40;

type Fault = {
  afterResults: number;
  kind: 'cut' | 'pause-then-cut' | 'refuse-gap' | 'cut-twice';
  latencyMs: number;
  gapMs: number;
};

const fault: fc.Arbitrary<Fault> = fc.record({
  afterResults: fc.integer({ min: 0, max: CALLS - 1 }),
  kind: fc.constantFrom('cut', 'pause-then-cut', 'refuse-gap', 'cut-twice'),
  latencyMs: fc.integer({ min: 0, max: 4 }),
  gapMs: fc.integer({ min: 0, max: 25 }),
});

async function apply(r: Rig, f: Fault): Promise<void> {
  r.proxy.delay(f.latencyMs);
  switch (f.kind) {
    case 'cut':
      r.proxy.cut();
      break;
    case 'pause-then-cut':
      r.proxy.pause();
      await sleep(f.gapMs);
      r.proxy.cut();
      r.proxy.resume();
      break;
    case 'refuse-gap':
      r.proxy.refuse(true);
      r.proxy.cut();
      await sleep(f.gapMs);
      r.proxy.refuse(false);
      break;
    case 'cut-twice':
      // The second cut hits the reconnect's handshake (the `connected` frame is lost).
      void r.proxy.cutOn(cutAtNth('"msg":"connected"', 1));
      r.proxy.cut();
      break;
  }
}

describe('property: random cut points and timings', () => {
  it('every method runs once, every result arrives once, the session and the data survive', async () => {
    let totalCuts = 0;
    let totalResumes = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fault, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (faults, seed) => {
          const r = await startRig({ resume: { gracePeriodMs: 5000, replayBufferMessages: 2000 } }, {}, seed);
          try {
            const sub = r.front.client.subscribe('items');
            const work = r.front.issue(0, CALLS);
            let churning = true;
            const churn = (async () => {
              while (churning) {
                r.backend.mutate(2);
                await sleep(2);
              }
            })();
            try {
              const delivered = () => r.front.calls.filter((c) => c.resultReceived > 0).length;
              // Faults start once the client knows its session: losing the very first `connected` is the
              // one cut no client can resume from (see resume.faults.test.ts, 'the very first connected').
              await until(() => r.front.client.sessionId !== undefined, 5000, 'the first session');
              for (const f of [...faults].sort((a, b) => a.afterResults - b.afterResults)) {
                await until(() => delivered() >= f.afterResults || delivered() === CALLS, 10_000, 'results');
                await apply(r, f);
              }
              await work;
            } finally {
              churning = false;
              await churn;
            }
            r.proxy.delay(0);
            await sub.whenReady();
            await converged(r);
            expect(exactlyOnceViolations(r)).toEqual([]);
            expect(r.backend.connections).toHaveLength(1);
            expect(r.front.client.sessionId).toBe(r.backend.connections[0]);
            expect(r.backend.closes).toEqual([]);
            expect(r.backend.detaches).toBe(r.backend.resumes.length);
            totalCuts += r.proxy.cuts;
            totalResumes += r.backend.resumes.length;
          } finally {
            await r.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The property really exercised resumption (not only clean runs).
    expect(totalCuts).toBeGreaterThanOrEqual(RUNS);
    expect(totalResumes).toBeGreaterThanOrEqual(RUNS);
    console.info(`property: ${RUNS} runs, ${totalCuts} cuts, ${totalResumes} resumes`);
  }, 60_000);
});
