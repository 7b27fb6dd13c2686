import { type Child, ensureBuilt, spawnChild } from '../proc.js';
import { type BenchRedis, counterDelta, type RedisCounters, redisCounters } from '../redisServer.js';
import type { RttRunResult } from '../rttTypes.js';
import { median } from '../stats.js';
import type { RoundTripSize } from './roundTrip.js';

/** Which session store the ddpx server under test uses. */
export type StoreKind = 'memory' | 'redis';

/** One store at one in-flight count: medians over the runs, Redis counters per call. */
export interface RedisRoundTripRow {
  store: StoreKind;
  inflight: number;
  callsPerSec: number;
  p50: number;
  p99: number;
  /** The ddpx server process's CPU per call (user + system), µs. */
  serverCpuUsPerCall: number;
  /** redis-server's CPU per call (its `used_cpu_user + used_cpu_sys`), µs. */
  redisCpuUsPerCall: number;
  /** Commands Redis processed per call (`total_commands_processed`). */
  commandsPerCall: number;
  /** Read events on Redis's client sockets per call (`total_reads_processed`): a pipelined batch is one. */
  readsPerCall: number;
  /** Calls per call of each command Redis ran (`cmdstat_*`), over every measured window. */
  byCommand: Record<string, number>;
  /** Every run's calls/s. */
  runs: number[];
  /** Calls issued and replies received over all runs (equal when nothing was lost). */
  sent: number;
  received: number;
  unmatched: number;
}

interface Pair {
  store: StoreKind;
  server: Child;
  client: Child;
}

async function startPair(store: StoreKind, redisUrl: string): Promise<Pair> {
  const config = { kind: 'ddpx', port: 0, ...(store === 'redis' ? { redisUrl } : {}) };
  const server = spawnChild('server', [JSON.stringify(config)]);
  const { port } = await server.nextEvent<{ port: number }>('listening');
  const client = spawnChild('rttClient', [JSON.stringify({ kind: 'ddpx', port })]);
  await client.request('ready');
  return { store, server, client };
}

interface Window {
  run: RttRunResult;
  serverCpuUs: number;
  redis: RedisCounters;
}

/**
 * ddpx method round trips (the same payload and closed loop as {@link runRoundTrip}) with the session
 * store in memory and in Redis, windows interleaved; Redis's counters are read around every window,
 * so the in-memory rows show what the idle Redis connection costs (nothing) and the Redis rows what
 * each call costs there.
 */
export async function runRedisRoundTrip(
  size: RoundTripSize,
  redis: BenchRedis,
): Promise<RedisRoundTripRow[]> {
  await ensureBuilt();
  const stores: StoreKind[] = ['memory', 'redis'];
  const pairs: Pair[] = [];
  try {
    pairs.push(...(await Promise.all(stores.map((s) => startPair(s, redis.url)))));
    const windows = new Map<string, Window[]>();
    for (let r = 0; r < size.runs; r++) {
      for (const inflight of size.inflights) {
        for (const p of pairs) {
          const cpu0 = await p.server.request<number>('cpu');
          const redis0 = await redisCounters(redis.client);
          const run = await p.client.request<RttRunResult>('run', {
            inflight,
            warmupMs: size.warmupMs,
            durationMs: size.durationMs,
          });
          const redis1 = await redisCounters(redis.client);
          const cpu1 = await p.server.request<number>('cpu');
          const key = `${p.store}/${inflight}`;
          const list = windows.get(key) ?? [];
          list.push({ run, serverCpuUs: cpu1 - cpu0, redis: counterDelta(redis0, redis1) });
          windows.set(key, list);
        }
      }
    }
    const rows: RedisRoundTripRow[] = [];
    for (const inflight of size.inflights) {
      for (const store of stores) {
        const ws = windows.get(`${store}/${inflight}`)!;
        // Counters cover the whole window (warm-up included), so they are divided by every call sent in it.
        const per = (f: (w: Window) => number) => median(ws.map((w) => f(w) / Math.max(1, w.run.sent)));
        const sent = ws.reduce((t, w) => t + w.run.sent, 0);
        const byCommand: Record<string, number> = {};
        for (const w of ws)
          for (const [name, calls] of Object.entries(w.redis.byCommand))
            byCommand[name] = (byCommand[name] ?? 0) + calls / Math.max(1, sent);
        rows.push({
          store,
          inflight,
          callsPerSec: median(ws.map((w) => w.run.callsPerSec)),
          p50: median(ws.map((w) => w.run.p50)),
          p99: median(ws.map((w) => w.run.p99)),
          serverCpuUsPerCall: per((w) => w.serverCpuUs),
          redisCpuUsPerCall: per((w) => w.redis.cpuUs),
          commandsPerCall: per((w) => w.redis.commands),
          readsPerCall: per((w) => w.redis.reads),
          byCommand,
          runs: ws.map((w) => Math.round(w.run.callsPerSec)),
          sent,
          received: ws.reduce((t, w) => t + w.run.received, 0),
          unmatched: ws[ws.length - 1]!.run.unmatched,
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(pairs.flatMap((p) => [p.client.kill(), p.server.kill()]));
  }
}
