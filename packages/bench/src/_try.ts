import { runRollingRestart } from './benches/rollingRestart.js';
import { startBenchRedis } from './redisServer.js';

const r = await startBenchRedis();
try {
  console.log(
    JSON.stringify(
      await runRollingRestart(
        {
          clients: Number(process.argv[2] ?? 30),
          workers: 2,
          thinkMs: Number(process.argv[3] ?? 100),
          drainMs: 1000,
          settleMs: 2000,
          timeoutMs: 60000,
        },
        r,
      ),
      null,
      1,
    ),
  );
} finally {
  await r.close();
}
process.exit(0);
