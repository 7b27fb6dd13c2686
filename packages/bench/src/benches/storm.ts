import { listenDrops } from '../listenDrops.js';
import { type Child, ensureBuilt, sleep, spawnChild } from '../proc.js';
import { quantile } from '../stats.js';
import type { BackoffPolicy, StormClientReport } from '../stormTypes.js';

/** Sizes of the reconnect storm. */
export interface StormSize {
  /** Clients (each with a subscription). */
  clients: number;
  /** Client worker processes. */
  workers: number;
  /** Give up waiting for recovery after this long, ms. */
  timeoutMs: number;
  /** Server listen backlog (experiments only). @default 511, Node's default and what `DDPServer.listen()` uses */
  backlog?: number;
}

/** Who is stormed: ddpx (`@ddpx/server` and real `@ddpx/client`s) or the naive DDP pair (restart only). */
export type StormContender = 'ddpx' | 'naive';

/** One storm: a restart (a) or a drop with resumption (b), with one backoff policy. */
export interface StormRow {
  /** Absent in results from before the naive contender existed (they are ddpx). */
  contender?: StormContender;
  scenario: 'restart' | 'drop-resume';
  backoff: BackoffPolicy;
  clients: number;
  recovered: number;
  resumed: number;
  /** ms from the server being back (listening again, or the drop) until every client recovered; NaN if not all did. */
  recoveryMs: number;
  /** ms from the server being back until 50 % / 99 % of clients recovered. */
  p50Ms: number;
  p99Ms: number;
  /** Peak server CPU over 100 ms samples, % of one core. */
  peakCpu: number;
  /**
   * Server CPU (`process.cpuUsage()`, user + system) from the server being back until every client
   * recovered, ms, and that divided by the clients that reconnected (absent in older results).
   */
  serverCpuMs?: number;
  cpuPerReconnectMs?: number;
  /** First retry after the loss, ms after the loss: min / median / max. */
  firstRetry: { min: number; p50: number; max: number };
  /** Connection attempts started after the server was back that failed (refused, reset, timed out). */
  failedAttempts: number;
  /** SYNs the kernel dropped because the listen queue was full during the storm (machine-wide counter; -1 if unknown). */
  listenDrops: number;
  /** CPU the client workers used from the loss until recovery, % of one core per worker (are the clients the bottleneck?). */
  clientCpu: number;
  /** Methods called but never executed or never answered / executed more than once. */
  lost: number;
  duplicated: number;
  /** Calls made in the storm (before, in flight or offline, after). */
  calls: number;
  /** Accepts per 100 ms, relative to the server being back: [ms, accepts]. */
  timeline: [number, number][];
  /** First retries: [ms after the loss, clients that had retried by then] (a CDF, downsampled). */
  firstRetryCdf: [number, number][];
  /** Recovered clients over time: [ms, count]. */
  recoveredTimeline: [number, number][];
}

interface Sample {
  at: number;
  cpuUs: number;
  accepts: number;
}

function addCounts(into: Map<string, number>, counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) into.set(k, (into.get(k) ?? 0) + v);
}

/**
 * One storm run; every process it starts is killed before it returns. The naive pair (the round-trip
 * bench's naive DDP server, with a subscription, and `naiveStormClients.ts`) runs the restart with
 * Meteor's backoff only: it cannot resume.
 */
export async function runStorm(
  scenario: StormRow['scenario'],
  backoff: BackoffPolicy,
  size: StormSize,
  contender: StormContender = 'ddpx',
): Promise<StormRow> {
  if (contender === 'naive' && (scenario !== 'restart' || backoff !== 'meteor'))
    throw new RangeError(`the naive pair runs the restart storm with Meteor's backoff only`);
  await ensureBuilt();
  const resume = scenario === 'drop-resume';
  const kind = contender;
  const clientChild = contender === 'naive' ? 'naiveStormClients' : 'stormClients';
  let server: Child = spawnChild('server', [
    JSON.stringify({ kind, port: 0, resume, backlog: size.backlog }),
  ]);
  const workers: Child[] = [];
  const executions = new Map<string, number>();
  try {
    const { port } = await server.nextEvent<{ port: number }>('listening');
    const share = Math.ceil(size.clients / size.workers);
    for (let w = 0; w < size.workers; w++) {
      const count = Math.min(share, size.clients - w * share);
      workers.push(spawnChild(clientChild, [JSON.stringify({ port, count, worker: w, backoff, resume })]));
    }
    await Promise.all(workers.map((w) => w.request('setup', undefined, 180_000)));
    await sleep(300);
    let back: number;
    let serverCpu0: number;
    const clientCpu0 = await Promise.all(workers.map((w) => w.request<number>('cpu')));
    const wall0 = Date.now();
    const drops0 = listenDrops();
    if (scenario === 'restart') {
      // Clients are idle here (every earlier call answered), so the counts cannot change before the exit.
      addCounts(executions, await server.request<Record<string, number>>('counts'));
      void server.request('die').catch(() => undefined);
      await server.exited;
      server = spawnChild('server', [JSON.stringify({ kind, port, resume, backlog: size.backlog })]);
      const listening = await server.nextEvent<{ at: number; cpuUs: number }>('listening');
      serverCpu0 = listening.cpuUs;
      await server.request('sample', 100);
      back = listening.at;
    } else {
      await server.request('sample', 100);
      serverCpu0 = await server.request<number>('cpu');
      await Promise.all(workers.map((w) => w.request('fire')));
      back = Date.now();
      await server.request('drop');
    }
    await Promise.all(workers.map((w) => w.request('since', back)));
    const deadline = Date.now() + size.timeoutMs;
    while (Date.now() < deadline) {
      const p = await Promise.all(
        workers.map((w) => w.request<{ recovered: number; pending: number }>('progress')),
      );
      if (p.reduce((t, x) => t + x.recovered, 0) >= size.clients && p.every((x) => x.pending === 0)) break;
      await sleep(100);
    }
    const serverCpuUs = (await server.request<number>('cpu')) - serverCpu0;
    const drops1 = listenDrops();
    const clientCpu1 = await Promise.all(workers.map((w) => w.request<number>('cpu')));
    const wallMs = Date.now() - wall0;
    const clientCpu =
      clientCpu1.reduce((t, c, i) => t + (c - clientCpu0[i]!), 0) /
      1000 /
      Math.max(1, wallMs) /
      workers.length;
    const samples = await server.request<Sample[]>('timeline');
    await Promise.all(workers.map((w) => w.request('after', undefined, 30_000).catch(() => false)));
    addCounts(executions, await server.request<Record<string, number>>('counts'));
    const reports = await Promise.all(workers.map((w) => w.request<StormClientReport>('report')));
    const all = <K extends keyof StormClientReport>(k: K) =>
      reports.flatMap((r) => r[k] as unknown as number[]);
    const recoveredAt = all('recoveredAt').filter((t) => t > 0);
    const lostAt = all('lostAt');
    const firstRetryAt = all('firstRetryAt');
    const retries = firstRetryAt.flatMap((t, i) => (t > 0 && lostAt[i]! > 0 ? [t - lostAt[i]!] : []));
    const called = reports.flatMap((r) => r.called);
    const resolved = new Set(reports.flatMap((r) => r.resolved));
    let lost = 0;
    let duplicated = 0;
    for (const key of called) {
      const n = executions.get(key) ?? 0;
      if (n === 0 || !resolved.has(key)) lost++;
      if (n > 1) duplicated++;
    }
    const recovered = recoveredAt.length;
    const rel = recoveredAt.map((t) => Math.max(0, t - back)).sort((a, b) => a - b);
    const recoveredTimeline = downsample(rel.map((t, i): [number, number] => [t, i + 1]));
    const firstRetryCdf = downsample(
      [...retries].sort((a, b) => a - b).map((t, i): [number, number] => [t, i + 1]),
    );
    return {
      contender,
      scenario,
      backoff,
      clients: size.clients,
      recovered,
      resumed: reports.reduce((t, r) => t + r.resumed, 0),
      recoveryMs: recovered >= size.clients ? rel[rel.length - 1]! : Number.NaN,
      p50Ms: quantile(rel, 0.5),
      p99Ms: quantile(rel, 0.99),
      peakCpu: Math.max(0, ...samples.map((s) => s.cpuUs / 1000)),
      serverCpuMs: serverCpuUs / 1000,
      cpuPerReconnectMs: serverCpuUs / 1000 / Math.max(1, recovered),
      firstRetry: { min: quantile(retries, 0), p50: quantile(retries, 0.5), max: quantile(retries, 1) },
      failedAttempts: reports.reduce((t, r) => t + r.failedAttemptsSince, 0),
      clientCpu: clientCpu * 100,
      listenDrops: drops0 === undefined || drops1 === undefined ? -1 : drops1 - drops0,
      lost,
      duplicated,
      calls: called.length,
      timeline: samples.map((s) => [s.at - back, s.accepts]),
      recoveredTimeline,
      firstRetryCdf,
    };
  } finally {
    await Promise.all([...workers.map((w) => w.stop(3000)), server.stop(3000)]);
  }
}

/** Keeps at most ~400 points of a monotone series (and always its last point). */
function downsample(points: [number, number][]): [number, number][] {
  const step = Math.max(1, Math.floor(points.length / 400));
  return points.filter((_, i) => i % step === 0 || i === points.length - 1);
}
