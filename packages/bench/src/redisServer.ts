// A real `redis-server` (the Debian package) for the Redis benchmarks, and what its INFO says.
import { execFileSync } from 'node:child_process';
import { startRedisServer } from '@ddpx/testing';
import { Redis } from 'ioredis';

/** A running `redis-server` on 127.0.0.1 and a client of the parent's own for INFO and checks. */
export interface BenchRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** The parent's own connection (its commands are left out of {@link RedisCounters}). */
  readonly client: Redis;
  /** The server's version, as `redis-server --version` prints it. */
  readonly version: string;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/** Counters from one `INFO stats commandstats cpu`, the parent's INFO call itself left out. */
export interface RedisCounters {
  /** `total_commands_processed`, less the INFO calls. */
  commands: number;
  /** `total_reads_processed`: read events on client sockets, less the INFO calls (a pipelined batch is one read). */
  reads: number;
  /** Calls per command name (`cmdstat_*`), INFO left out. */
  byCommand: Record<string, number>;
  /** `used_cpu_user + used_cpu_sys` of the whole server, µs. */
  cpuUs: number;
}

/** The `redis-server --version` line, or undefined when Redis is not installed. */
export function redisVersion(): string | undefined {
  try {
    const out = execFileSync('redis-server', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    return /v=(\S+)/.exec(out.toString())?.[1] ?? out.toString().trim();
  } catch {
    return undefined;
  }
}

/** Starts `redis-server` on a free port in a temp dir, nothing saved to disk; throws if it is not installed. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const version = redisVersion();
  if (version === undefined) throw new Error('redis-server is not installed');
  const server = await startRedisServer();
  const client = new Redis(server.url, { lazyConnect: false });
  client.on('error', () => {});
  await client.ping();
  return {
    url: server.url,
    client,
    version,
    close: async () => {
      client.disconnect();
      await server.close();
    },
  };
}

/** Reads the counters (one INFO call, whose own read and command are subtracted). */
export async function redisCounters(client: Redis): Promise<RedisCounters> {
  const text = await client.info('stats', 'commandstats', 'cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  const byCommand: Record<string, number> = {};
  let info = 0;
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] === 'info') info = Number(m[2]);
    else byCommand[m[1]!] = Number(m[2]);
  }
  return {
    // INFO's own call is counted once it finished, so this snapshot holds every earlier INFO.
    commands: field('total_commands_processed') - info,
    // Reads are counted as they happen: this INFO's own read is in, and so is every earlier one.
    reads: field('total_reads_processed') - (info + 1),
    byCommand,
    cpuUs: Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6),
  };
}

/** `after - before`, per counter. */
export function counterDelta(before: RedisCounters, after: RedisCounters): RedisCounters {
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.byCommand)) {
    const d = calls - (before.byCommand[name] ?? 0);
    if (d > 0) byCommand[name] = d;
  }
  return {
    commands: after.commands - before.commands,
    reads: after.reads - before.reads,
    byCommand,
    cpuUs: after.cpuUs - before.cpuUs,
  };
}
