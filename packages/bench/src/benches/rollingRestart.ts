import { type Child, ensureBuilt, sleep, spawnChild } from '../proc.js';
import { type BenchRedis, counterDelta, redisCounters } from '../redisServer.js';
import {
  type ClusterServerConfig,
  type DrainedReport,
  type Recovery,
  type RollingClientReport,
  RUNS_KEY,
} from '../rollingTypes.js';
import { quantile } from '../stats.js';

/** Sizes of the rolling restart. */
export interface RollingSize {
  /** Clients (each with a subscription and a calling loop). */
  clients: number;
  /** Client worker processes. */
  workers: number;
  /** Mean pause between one client's calls, ms (uniform in [0.5, 1.5] × this). */
  thinkMs: number;
  /** `server.close({ drainMs })` of each stopped process. */
  drainMs: number;
  /** Calm before the first restart and after each recovery, ms. */
  settleMs: number;
  /** Give up waiting for one step's recovery after this long, ms. */
  timeoutMs: number;
}

/** One process stopped (SIGTERM, drain) and replaced. */
export interface RollingStep {
  /** The process stopped, and the one new connections were sent to (fewest sessions of the others). */
  stopped: string;
  target: string;
  /** Sessions the stopped process held at SIGTERM. */
  moved: number;
  /** Clients that lost their connection in this step and came back. */
  recovered: number;
  /** …of which with the same session id (handshake `resumed`). */
  sameSession: number;
  /** ms from SIGTERM until `server.close()` resolved in the stopped process. */
  drainMs: number;
  /** ms from SIGTERM until every client of the stopped process was back; NaN if not all were. */
  allBackMs: number;
  /** ms from SIGTERM until 50 % / 99 % of them were back. */
  p50Ms: number;
  p99Ms: number;
  /** ms from each client's loss until it was back: median and max. */
  outageP50Ms: number;
  outageMaxMs: number;
}

/** The whole rolling restart. */
export interface RollingRow {
  clients: number;
  steps: RollingStep[];
  /** ms from the first SIGTERM until the last client of the last step was back (replacements' start-up and the calm between steps included). */
  totalMs: number;
  /** Clients whose session id never changed, every handshake after the first resumed. */
  sameSession: number;
  /** Calls made, answered, failed with an error; never run / never answered; run more than once (counted in Redis). */
  calls: number;
  answered: number;
  rejected: number;
  lost: number;
  runTwice: number;
  /** CPU of every ddpx process from the first SIGTERM to the end (replacements counted from their start), s, and as % of one core. */
  serverCpuS: number;
  serverCpuPct: number;
  /** CPU of the proxy process and of the client workers (per worker) over the window, % of one core. */
  proxyCpuPct: number;
  clientCpuPct: number;
  /**
   * Store failures the ddpx processes absorbed (their `error` events, by context): a Redis command not
   * answered within the store's `commandTimeoutMs` admits a method on this process only or degrades a
   * resume to a new session.
   */
  storeErrors: Record<string, number>;
  /** redis-server's CPU over the same window, s, and the commands it ran. */
  redisCpuS: number;
  redisCommands: number;
  /** Wall time of the measured window, ms. */
  windowMs: number;
}

interface Node {
  name: string;
  child: Child;
  port: number;
  /** CPU at the window's start (0 for a replacement: counted from its start). */
  cpu0: number;
}

async function startNode(name: string, redisUrl: string, drainMs: number): Promise<Node> {
  const config: ClusterServerConfig = { redisUrl, name, drainMs };
  const child = spawnChild('clusterServer', [JSON.stringify(config)]);
  const { port } = await child.nextEvent<{ port: number }>('listening');
  return { name, child, port, cpu0: 0 };
}

/**
 * A rolling restart of 3 ddpx processes sharing one Redis behind one re-pointable TCP proxy: clients
 * are spread over the three, then each process in turn is sent SIGTERM (it drains, handing its sessions
 * over) and replaced, new connections going to the live process with the fewest sessions (a
 * least-connections balancer). Every process starts, and every call is counted, from real sockets.
 */
export async function runRollingRestart(size: RollingSize, redis: BenchRedis): Promise<RollingRow> {
  await ensureBuilt();
  await redis.client.del(RUNS_KEY);
  const nodes: Node[] = [];
  const workers: Child[] = [];
  let proxy: Child | undefined;
  const exited: Child[] = [];
  try {
    nodes.push(...(await Promise.all(['A', 'B', 'C'].map((n) => startNode(n, redis.url, size.drainMs)))));
    proxy = spawnChild('proxy', [JSON.stringify({ target: nodes[0]!.port })]);
    const { url } = await proxy.nextEvent<{ url: string }>('listening');
    for (let w = 0; w < size.workers; w++)
      workers.push(spawnChild('rollingClients', [JSON.stringify({ url, worker: w, thinkMs: size.thinkMs })]));
    // An even spread: a third of every worker's clients through the proxy to each process.
    const share = Math.ceil(size.clients / size.workers);
    for (let i = 0; i < nodes.length; i++) {
      await proxy.request('retarget', nodes[i]!.port);
      await Promise.all(
        workers.map((w, k) => {
          const mine = Math.min(share, size.clients - k * share);
          const count = Math.floor((mine * (i + 1)) / 3) - Math.floor((mine * i) / 3);
          return w.request('setup', count, 180_000);
        }),
      );
    }
    await Promise.all(workers.map((w) => w.request('start')));
    await sleep(size.settleMs);

    const redis0 = await redisCounters(redis.client);
    for (const n of nodes) n.cpu0 = await n.child.request<number>('cpu');
    const proxyCpu0 = await proxy.request<number>('cpu');
    const clientCpu0 = await Promise.all(workers.map((w) => w.request<number>('cpu')));
    const storeErrors: Record<string, number> = {};
    const addErrors = (e: Record<string, number>) => {
      for (const [k, v] of Object.entries(e)) storeErrors[k] = (storeErrors[k] ?? 0) + v;
    };
    const window0 = Date.now();
    let serverCpuUs = 0;
    const steps: RollingStep[] = [];
    let lastBack = window0;
    let firstStop = 0;
    for (let k = 0; k < 3; k++) {
      const victim = nodes[k]!;
      const counts = await Promise.all(nodes.map((n) => n.child.request<number>('sessions')));
      let best = -1;
      for (let i = 0; i < nodes.length; i++)
        if (i !== k && (best < 0 || counts[i]! < counts[best]!)) best = i;
      const target = nodes[best]!;
      await proxy.request('retarget', target.port);
      const moved = counts[k]!;
      const stopAt = Date.now();
      firstStop ||= stopAt;
      const drained = victim.child.nextEvent<DrainedReport>('drained', 120_000);
      victim.child.proc.kill('SIGTERM');
      const report = await drained;
      await victim.child.exited;
      exited.push(victim.child);
      serverCpuUs += report.cpuUs - victim.cpu0;
      addErrors(report.errors);
      nodes[k] = await startNode(`${victim.name}′`, redis.url, size.drainMs);
      const deadline = stopAt + size.timeoutMs;
      let back: Recovery[] = [];
      for (;;) {
        const progress = await Promise.all(
          workers.map((w) => w.request<{ down: number; recoveries: Recovery[] }>('progress', stopAt)),
        );
        back = progress.flatMap((p) => p.recoveries);
        const down = progress.reduce((t, p) => t + p.down, 0);
        if ((back.length >= moved && down === 0) || Date.now() > deadline) break;
        await sleep(50);
      }
      const rel = back.map((r) => r.at - stopAt).sort((a, b) => a - b);
      const outage = back.map((r) => r.at - r.lostAt);
      const all = back.length >= moved;
      if (back.length > 0) lastBack = Math.max(lastBack, stopAt + rel[rel.length - 1]!);
      steps.push({
        stopped: victim.name,
        target: target.name,
        moved,
        recovered: back.length,
        sameSession: back.filter((r) => r.sameSession).length,
        drainMs: report.drainMs,
        allBackMs: all && rel.length > 0 ? rel[rel.length - 1]! : all ? 0 : Number.NaN,
        p50Ms: quantile(rel, 0.5),
        p99Ms: quantile(rel, 0.99),
        outageP50Ms: quantile(outage, 0.5),
        outageMaxMs: quantile(outage, 1),
      });
      await sleep(size.settleMs);
    }
    await Promise.all(workers.map((w) => w.request('stop', undefined, 60_000)));
    for (const n of nodes) {
      serverCpuUs += (await n.child.request<number>('cpu')) - n.cpu0;
      addErrors(await n.child.request<Record<string, number>>('errors'));
    }
    const proxyCpuUs = (await proxy.request<number>('cpu')) - proxyCpu0;
    const clientCpu1 = await Promise.all(workers.map((w) => w.request<number>('cpu')));
    const clientCpuUs = clientCpu1.reduce((t, c, i) => t + c - clientCpu0[i]!, 0) / workers.length;
    const windowMs = Date.now() - window0;
    const pct = (us: number) => (us / 1000 / Math.max(1, windowMs)) * 100;
    const redisUsed = counterDelta(redis0, await redisCounters(redis.client));
    const reports = await Promise.all(workers.map((w) => w.request<RollingClientReport>('report')));
    const runs = await redis.client.hgetall(RUNS_KEY);
    const resolved = new Set(reports.flatMap((r) => r.resolved));
    const called = reports.flatMap((r) => r.called);
    let lost = 0;
    let runTwice = 0;
    for (const key of called) {
      const n = Number(runs[key] ?? 0);
      if (n === 0 || !resolved.has(key)) lost++;
      if (n > 1) runTwice++;
    }
    return {
      clients: size.clients,
      steps,
      totalMs: lastBack - firstStop,
      sameSession: reports.reduce((t, r) => t + r.sameSession, 0),
      calls: called.length,
      answered: resolved.size,
      rejected: reports.reduce((t, r) => t + r.rejected, 0),
      lost,
      runTwice,
      serverCpuS: serverCpuUs / 1e6,
      serverCpuPct: pct(serverCpuUs),
      proxyCpuPct: pct(proxyCpuUs),
      clientCpuPct: pct(clientCpuUs),
      storeErrors,
      redisCpuS: redisUsed.cpuUs / 1e6,
      redisCommands: redisUsed.commands,
      windowMs,
    };
  } finally {
    await Promise.all([
      ...workers.map((w) => w.stop(3000)),
      ...nodes.filter((n) => !exited.includes(n.child)).map((n) => n.child.kill()),
      proxy?.kill(),
    ]);
  }
}
