import { type RedisRoundTripRow, runRedisRoundTrip } from './benches/redisRoundTrip.js';
import { type RollingRow, runRollingRestart } from './benches/rollingRestart.js';
import { describeMachine } from './machine.js';
import { redisVersion, startBenchRedis } from './redisServer.js';
import type { BenchSize } from './sizes.js';

/** What the Redis benchmarks measured, or why they were skipped. */
export type RedisResults =
  | { skipped: string }
  | {
      skipped?: undefined;
      /** When and where they ran (they may run alone, after the rest: `pnpm bench --only redis`). */
      startedAt: string;
      machine: string;
      command: string;
      /** `redis-server --version`. */
      version: string;
      roundTrip: RedisRoundTripRow[];
      rolling: RollingRow;
    };

/** Runs the Redis benchmarks on a `redis-server` of their own, or says why not (not installed). */
export async function runRedis(
  size: BenchSize,
  command: string,
  log: (line: string) => void = () => {},
): Promise<RedisResults> {
  if (redisVersion() === undefined)
    return { skipped: 'redis-server is not installed (Debian: `apt-get install redis-server`)' };
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const redis = await startBenchRedis();
  try {
    log('    method round trips, memory vs Redis store…');
    const roundTrip = await runRedisRoundTrip(size.redisRoundTrip, redis);
    log(`    rolling restart of 3 processes under ${size.rolling.clients} clients…`);
    const rolling = await runRollingRestart(size.rolling, redis);
    return { startedAt, machine, command, version: redis.version, roundTrip, rolling };
  } finally {
    await redis.close();
  }
}
