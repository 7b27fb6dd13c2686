import { execFileSync } from 'node:child_process';
import { type Child, ensureBuilt, spawnChild } from '../proc.js';
import type { RttContender, RttRunResult } from '../rttTypes.js';
import { median } from '../stats.js';

/** Sizes of the round-trip benchmark. */
export interface RoundTripSize {
  /** Measured windows per contender and in-flight count (the median is reported). */
  runs: number;
  /** Warm-up before each window, ms. */
  warmupMs: number;
  /** Length of each window, ms. */
  durationMs: number;
  /** In-flight counts to measure. */
  inflights: readonly number[];
  /**
   * Pin every server to CPU 0 and every client to CPU 1 (`taskset -a`, all threads), as the issue's
   * independent harness did; unpinned the kernel may run a client and its server on the same core.
   */
  pinned?: boolean;
  /** Contenders, in table order. @default RTT_CONTENDERS */
  contenders?: readonly RttContender[];
}

/** One contender at one in-flight count: medians over the runs. */
export interface RoundTripRow {
  contender: RttContender;
  inflight: number;
  /** Servers on CPU 0, clients on CPU 1. */
  pinned: boolean;
  callsPerSec: number;
  p50: number;
  p99: number;
  clientCpuUsPerCall: number;
  serverCpuUsPerCall: number;
  /** The kernel's share (system time) of the client's and the server's CPU per call, µs. */
  clientSysUsPerCall: number;
  serverSysUsPerCall: number;
  /** Every run's calls/s, for the record. */
  runs: number[];
  /** Calls issued and replies received over all runs (equal when nothing was lost). */
  sent: number;
  received: number;
  unmatched: number;
}

/** Contenders in table order: raw ws first (the floor). */
export const RTT_CONTENDERS: readonly RttContender[] = ['ws', 'ddpx', 'socketio', 'naive', 'ddpx-sockjs'];

/** Pins a process, every thread of it, to one CPU (Linux `taskset`); false where that is not possible. */
export function pin(pid: number | undefined, cpu: number): boolean {
  if (pid === undefined) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Pair {
  contender: RttContender;
  server: Child;
  client: Child;
  pinned: boolean;
}

async function startPair(contender: RttContender, pinned: boolean): Promise<Pair> {
  const serverKind = contender === 'ddpx-sockjs' ? 'ddpx' : contender;
  const server = spawnChild('server', [JSON.stringify({ kind: serverKind, port: 0 })]);
  const { port } = await server.nextEvent<{ port: number }>('listening');
  const client = spawnChild('rttClient', [JSON.stringify({ kind: contender, port })]);
  await client.request('ready');
  // Where pinning is impossible (no taskset, one CPU) the rows say so (`pinned: false`).
  const ok = pinned && pin(server.proc.pid, 0) && pin(client.proc.pid, 1);
  return { contender, server, client, pinned: ok };
}

/**
 * Method round trips: every contender's server and client each in its own process, all started
 * first and idle while another is measured; windows are interleaved across contenders (run r of
 * every contender, then run r+1) so background noise hits them alike.
 */
export async function runRoundTrip(size: RoundTripSize): Promise<RoundTripRow[]> {
  await ensureBuilt();
  const contenders = size.contenders ?? RTT_CONTENDERS;
  const pinned = size.pinned === true;
  const pairs: Pair[] = [];
  try {
    pairs.push(...(await Promise.all(contenders.map((c) => startPair(c, pinned)))));
    const results = new Map<string, { runs: RttRunResult[]; serverCpu: number[]; serverSys: number[] }>();
    for (let r = 0; r < size.runs; r++) {
      for (const inflight of size.inflights) {
        for (const p of pairs) {
          const cpu0 = await p.server.request<NodeJS.CpuUsage>('cpuSplit');
          const res = await p.client.request<RttRunResult>('run', {
            inflight,
            warmupMs: size.warmupMs,
            durationMs: size.durationMs,
          });
          const cpu1 = await p.server.request<NodeJS.CpuUsage>('cpuSplit');
          const key = `${p.contender}/${inflight}`;
          const entry = results.get(key) ?? { runs: [], serverCpu: [], serverSys: [] };
          entry.runs.push(res);
          const user = cpu1.user - cpu0.user;
          const sys = cpu1.system - cpu0.system;
          entry.serverCpu.push((user + sys) / Math.max(1, res.sent));
          entry.serverSys.push(sys / Math.max(1, res.sent));
          results.set(key, entry);
        }
      }
    }
    const rows: RoundTripRow[] = [];
    for (const inflight of size.inflights) {
      for (const c of contenders) {
        const e = results.get(`${c}/${inflight}`)!;
        const last = e.runs[e.runs.length - 1]!;
        rows.push({
          contender: c,
          inflight,
          pinned: pairs.find((p) => p.contender === c)!.pinned,
          callsPerSec: median(e.runs.map((x) => x.callsPerSec)),
          p50: median(e.runs.map((x) => x.p50)),
          p99: median(e.runs.map((x) => x.p99)),
          clientCpuUsPerCall: median(e.runs.map((x) => x.clientCpuUsPerCall)),
          serverCpuUsPerCall: median(e.serverCpu),
          clientSysUsPerCall: median(e.runs.map((x) => x.clientSysUsPerCall)),
          serverSysUsPerCall: median(e.serverSys),
          runs: e.runs.map((x) => Math.round(x.callsPerSec)),
          sent: e.runs.reduce((s, x) => s + x.sent, 0),
          received: e.runs.reduce((s, x) => s + x.received, 0),
          unmatched: last.unmatched,
        });
      }
    }
    return rows;
  } finally {
    await Promise.all(pairs.flatMap((p) => [p.client.kill(), p.server.kill()]));
  }
}
