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
  /** Server listen backlog (experiments only). @default 4096, what `DDPServer.listen()` uses */
  backlog?: number;
  /** The planned-restart storms: clients, and the drain (`close({ drainMs, comeBack })`) before the exit. */
  drain: DrainStorm;
}

/** Who is stormed: ddpx (`@ddpx/server` and real `@ddpx/client`s) or the naive DDP pair (restart only). */
export type StormContender = 'ddpx' | 'naive';

/** A planned restart: the server drains over `drainMs` and exits; `drain-hint` also tells clients when to return. */
export interface DrainStorm {
  clients: number;
  drainMs: number;
  /**
   * `comeBack.afterMs`: from the drain's end until the first client is due. When absent, what an operator
   * would set from a restart they have timed: 1.5 × the first server's start (spawn to listening) + 250 ms.
   */
  afterMs?: number;
  /** `comeBack.windowMs`: the returns spread over this long. */
  windowMs: number;
}

/**
 * One storm, with one backoff policy: a crash and restart (`restart`), a drop with resumption
 * (`drop-resume`), or a planned restart — drained, then restarted — without (`drain`) or with
 * (`drain-hint`) the server telling each client when to come back.
 */
export interface StormRow {
  /** Absent in results from before the naive contender existed (they are ddpx). */
  contender?: StormContender;
  scenario: 'restart' | 'drop-resume' | 'drain' | 'drain-hint';
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
  /**
   * Connection attempts that failed (refused, reset, timed out): started after the server was back,
   * or for the drains, after the drain began (every attempt before the new server listens is refused).
   */
  failedAttempts: number;
  /** SYNs the kernel dropped because the listen queue was full during the storm (machine-wide counter; -1 if unknown). */
  listenDrops: number;
  /** CPU the client workers used from the loss until recovery, % of one core per worker (are the clients the bottleneck?). */
  clientCpu: number;
  /** Restarts and drains: ms from the port being free (the old process's exit, or its drain's end) until the new one listened. */
  restartMs?: number;
  /** Drains: ms from `close({ drainMs })` until it resolved and the old process freed the port (the drain's end). */
  releasedMs?: number;
  /** drain-hint: the `comeBack` plan the server was closed with. */
  comeBack?: { afterMs: number; windowMs: number };
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
  const drain = scenario === 'drain' || scenario === 'drain-hint';
  if (drain) size = { ...size, clients: size.drain.clients };
  const kind = contender;
  const clientChild = contender === 'naive' ? 'naiveStormClients' : 'stormClients';
  let server: Child = spawnChild('server', [
    JSON.stringify({ kind, port: 0, resume, backlog: size.backlog }),
  ]);
  const spawnedAt = Date.now();
  // A drained server, still closing its sockets while the next one starts.
  let old: Child | undefined;
  const workers: Child[] = [];
  const executions = new Map<string, number>();
  try {
    const { port, at: firstListen } = await server.nextEvent<{ port: number; at: number }>('listening');
    const startupMs = firstListen - spawnedAt;
    const share = Math.ceil(size.clients / size.workers);
    for (let w = 0; w < size.workers; w++) {
      const count = Math.min(share, size.clients - w * share);
      workers.push(spawnChild(clientChild, [JSON.stringify({ port, count, worker: w, backoff, resume })]));
    }
    await Promise.all(workers.map((w) => w.request('setup', undefined, 180_000)));
    await sleep(300);
    let back: number;
    let restartMs: number | undefined;
    let releasedMs: number | undefined;
    let serverCpu0: number;
    const clientCpu0 = await Promise.all(workers.map((w) => w.request<number>('cpu')));
    const wall0 = Date.now();
    const drops0 = listenDrops();
    let since: number | undefined;
    let comeBack: { afterMs: number; windowMs: number } | undefined;
    if (scenario === 'restart' || drain) {
      // Clients are idle here (every earlier call answered), so the counts cannot change before the exit.
      addCounts(executions, await server.request<Record<string, number>>('counts'));
      if (drain) {
        since = Date.now();
        const { drainMs, windowMs } = size.drain;
        const afterMs = size.drain.afterMs ?? Math.ceil(startupMs * 1.5) + 250;
        if (scenario === 'drain-hint') comeBack = { afterMs, windowMs };
        void server
          .request('drain', { drainMs, comeBack: comeBack ?? false }, drainMs + 30_000)
          .catch(() => undefined);
        // The next process starts as soon as the port is free (the drain's end), as a supervisor would;
        // the old one exits on its own meanwhile.
        await server.nextEvent('released', drainMs + 30_000);
        old = server;
      } else {
        void server.request('die').catch(() => undefined);
        await server.exited;
      }
      const freedAt = Date.now();
      server = spawnChild('server', [JSON.stringify({ kind, port, resume, backlog: size.backlog })]);
      const listening = await server.nextEvent<{ at: number; cpuUs: number }>('listening');
      serverCpu0 = listening.cpuUs;
      if (old) releasedMs = freedAt - since!;
      await server.request('sample', 100);
      back = listening.at;
      restartMs = back - freedAt;
    } else {
      await server.request('sample', 100);
      serverCpu0 = await server.request<number>('cpu');
      await Promise.all(workers.map((w) => w.request('fire')));
      back = Date.now();
      await server.request('drop');
    }
    await Promise.all(workers.map((w) => w.request('since', since ?? back)));
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
      ...(restartMs !== undefined && { restartMs }),
      ...(comeBack !== undefined && { comeBack }),
      ...(releasedMs !== undefined && { releasedMs }),
      timeline: samples.map((s) => [s.at - back, s.accepts]),
      recoveredTimeline,
      firstRetryCdf,
    };
  } finally {
    await Promise.all([...workers.map((w) => w.stop(3000)), server.stop(3000), old?.stop(3000)]);
  }
}

/** Keeps at most ~400 points of a monotone series (and always its last point). */
function downsample(points: [number, number][]): [number, number][] {
  const step = Math.max(1, Math.floor(points.length / 400));
  return points.filter((_, i) => i % step === 0 || i === points.length - 1);
}
