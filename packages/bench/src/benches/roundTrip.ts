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
}

/** One contender at one in-flight count: medians over the runs. */
export interface RoundTripRow {
  contender: RttContender;
  inflight: number;
  callsPerSec: number;
  p50: number;
  p99: number;
  clientCpuUsPerCall: number;
  serverCpuUsPerCall: number;
  /** Every run's calls/s, for the record. */
  runs: number[];
  /** Calls issued and replies received over all runs (equal when nothing was lost). */
  sent: number;
  received: number;
  unmatched: number;
}

/** Contenders in table order: raw ws first (the floor). */
export const RTT_CONTENDERS: readonly RttContender[] = ['ws', 'ddpx', 'socketio', 'ddpx-sockjs'];

interface Pair {
  contender: RttContender;
  server: Child;
  client: Child;
}

async function startPair(contender: RttContender): Promise<Pair> {
  const serverKind = contender === 'ws' ? 'ws' : contender === 'socketio' ? 'socketio' : 'ddpx';
  const server = spawnChild('server', [JSON.stringify({ kind: serverKind, port: 0 })]);
  const { port } = await server.nextEvent<{ port: number }>('listening');
  const client = spawnChild('rttClient', [JSON.stringify({ kind: contender, port })]);
  await client.request('ready');
  return { contender, server, client };
}

/**
 * Method round trips: every contender's server and client each in its own process, all started
 * first and idle while another is measured; windows are interleaved across contenders (run r of
 * every contender, then run r+1) so background noise hits them alike.
 */
export async function runRoundTrip(
  size: RoundTripSize,
  contenders: readonly RttContender[] = RTT_CONTENDERS,
): Promise<RoundTripRow[]> {
  await ensureBuilt();
  const pairs: Pair[] = [];
  try {
    pairs.push(...(await Promise.all(contenders.map(startPair))));
    const results = new Map<string, { runs: RttRunResult[]; serverCpu: number[] }>();
    for (let r = 0; r < size.runs; r++) {
      for (const inflight of size.inflights) {
        for (const p of pairs) {
          const cpu0 = await p.server.request<number>('cpu');
          const res = await p.client.request<RttRunResult>('run', {
            inflight,
            warmupMs: size.warmupMs,
            durationMs: size.durationMs,
          });
          const cpu1 = await p.server.request<number>('cpu');
          const key = `${p.contender}/${inflight}`;
          const entry = results.get(key) ?? { runs: [], serverCpu: [] };
          entry.runs.push(res);
          entry.serverCpu.push((cpu1 - cpu0) / Math.max(1, res.sent));
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
          callsPerSec: median(e.runs.map((x) => x.callsPerSec)),
          p50: median(e.runs.map((x) => x.p50)),
          p99: median(e.runs.map((x) => x.p99)),
          clientCpuUsPerCall: median(e.runs.map((x) => x.clientCpuUsPerCall)),
          serverCpuUsPerCall: median(e.serverCpu),
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
