// pnpm --filter @ddpx/bench run bench:redis — the cost of a shared session store per method call: the
// same ddpx client calling the same echo method on a server without a store, with a MemoryCluster
// store, and with redisStore() on a real redis-server (Debian package) started here on a free port.
// Sequential calls give the round trip; 256 calls in flight give the throughput.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@ddpx/client';
import { redisStore } from '@ddpx/redis';
import { createServer, MemoryCluster, type SessionStore } from '@ddpx/server';
import { fmt, median, quantile, ratio } from './stats.js';

const SEQUENTIAL = Number(process.env.CALLS ?? 3000);
const PIPELINED = Number(process.env.PIPELINED ?? 20_000);
const IN_FLIGHT = 256;

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function startRedis(): Promise<{ url: string; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'ddpx-bench-redis-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Row {
  name: string;
  p50: number;
  p99: number;
  perSecond: number;
}

async function measure(name: string, store: SessionStore | undefined): Promise<Row> {
  const server = createServer({ ...(store ? { store } : {}), maxMessagesPerSecond: 1e9 });
  server.methods({ echo: (x: unknown) => x });
  const { port } = await server.listen(0, '127.0.0.1');
  const conn = connect(`ws://127.0.0.1:${port}/websocket`);
  for (let i = 0; i < 500; i++) await conn.call('echo', i); // warm up
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    await conn.call('echo', i);
    times.push((performance.now() - t) * 1000);
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < PIPELINED) await conn.call('echo', next++);
    }),
  );
  const perSecond = PIPELINED / ((performance.now() - started) / 1000);
  conn.close();
  await server.close();
  await store?.close();
  return { name, p50: median(times), p99: quantile(times, 0.99), perSecond };
}

const redis = await startRedis();
try {
  const rows = [
    await measure('no store (default)', undefined),
    await measure('MemoryCluster store', new MemoryCluster().store()),
    await measure('redisStore (local redis-server)', redisStore({ url: redis.url })),
  ];
  const base = rows[0]!;
  const lines = [
    `| store | round trip p50 (µs) | p99 (µs) | calls/s, ${IN_FLIGHT} in flight | vs no store |`,
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.perSecond)} | ${ratio(r.perSecond, base.perSecond)} |`,
    ),
  ];
  const table = lines.join('\n');
  console.log(table);
  if (process.env.WRITE) writeFileSync(process.env.WRITE, `${table}\n`);
} finally {
  redis.stop();
}
