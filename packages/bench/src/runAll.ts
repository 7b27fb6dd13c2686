import { type BundleRow, bundleSizes, statusTransitionCost } from './benches/clientCost.js';
import { type FanoutRow, runFanout } from './benches/fanout.js';
import { type MemoryRow, runMemory } from './benches/memory.js';
import { type RoundTripRow, runRoundTrip } from './benches/roundTrip.js';
import { runStorm, type StormRow } from './benches/storm.js';
import { type RedisResults, runRedis } from './runRedis.js';
import type { BenchSize } from './sizes.js';
import type { TransitionCost } from './transitionCost.js';

/** Everything one bench run measured. */
export interface BenchResults {
  size: BenchSize['name'];
  startedAt: string;
  durationMs: number;
  roundTrip: RoundTripRow[];
  /** The same contenders with servers on CPU 0 and clients on CPU 1. */
  roundTripPinned: RoundTripRow[];
  fanout: FanoutRow[];
  memory: MemoryRow[];
  storms: StormRow[];
  bundles: BundleRow[];
  transitions: TransitionCost;
  /** The Redis store's cost per call and the rolling restart (absent in runs from before they existed). */
  redis?: RedisResults;
}

const STORMS = [
  ['restart', 'meteor'],
  ['restart', 'full-jitter'],
  ['drop-resume', 'meteor'],
  ['drop-resume', 'full-jitter'],
  ['drain', 'meteor'],
  ['drain-hint', 'meteor'],
] as const;

/** Runs every benchmark at `size`, one after the other; `log` gets progress lines. */
export async function runAll(
  size: BenchSize,
  log: (line: string) => void = () => {},
  command = 'runAll',
): Promise<BenchResults> {
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  log('1/6 method round trips…');
  const roundTrip = await runRoundTrip(size.roundTrip);
  log('    …pinned (servers on CPU 0, clients on CPU 1)');
  const roundTripPinned = await runRoundTrip(size.roundTripPinned);
  log('2/6 fan-out…');
  const fanout = await runFanout(size.fanout);
  log('3/6 idle memory…');
  const memory = await runMemory(size.memory);
  log('4/6 reconnect storms…');
  const storms: StormRow[] = [];
  // The naive DDP pair's restart last: its server CPU per reconnect is the yardstick for ddpx's.
  if (size.stormsInParallel)
    storms.push(
      ...(await Promise.all([
        ...STORMS.map(([s, b]) => runStorm(s, b, size.storm)),
        runStorm('restart', 'meteor', size.storm, 'naive'),
      ])),
    );
  else {
    for (const [s, b] of STORMS) {
      log(`    ${s} / ${b}`);
      storms.push(await runStorm(s, b, size.storm));
    }
    log('    restart / meteor, naive DDP pair');
    storms.push(await runStorm('restart', 'meteor', size.storm, 'naive'));
  }
  log('5/6 client cost…');
  const bundles = await bundleSizes();
  const transitions = await statusTransitionCost(size.transitions);
  log('6/6 Redis store (optional)…');
  const redis = await runRedis(size, command, log);
  if (redis.skipped !== undefined) log(`    skipped: ${redis.skipped}`);
  return {
    size: size.name,
    startedAt,
    durationMs: Date.now() - t0,
    roundTrip,
    roundTripPinned,
    fanout,
    memory,
    storms,
    bundles,
    transitions,
    redis,
  };
}
