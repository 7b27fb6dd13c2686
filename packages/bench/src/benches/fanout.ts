import type { FanoutContender, FanoutMode, FanoutSeen, FanoutStart } from '../fanoutTypes.js';
import { type Child, ensureBuilt, sleep, spawnChild } from '../proc.js';
import { median } from '../stats.js';

/** Sizes of the fan-out benchmark. */
export interface FanoutSize {
  /** Subscribers of the one publication in the single-topic scenarios. */
  subscribers: number;
  /** Changes per round. */
  changes: number;
  /** The many-publications scenario: topics × subscribers each. */
  topics: number;
  perTopic: number;
  /** Rounds per scenario (the median is reported). */
  runs: number;
  /** Client worker processes. */
  workers: number;
}

/** One contender in one scenario: medians over the rounds. */
export interface FanoutRow {
  contender: FanoutContender;
  scenario: string;
  mode: FanoutMode;
  topics: number;
  subscribers: number;
  changes: number;
  /** Change frames delivered per second (all of them, over the time until the last one arrived). */
  deliveriesPerSec: number;
  /** From the first change issued to the first / the last change frame received by any client, ms. */
  firstMs: number;
  lastMs: number;
  /** Server CPU per delivered frame, µs (from the first change to the last delivery). */
  serverCpuUsPerDelivery: number;
  /** Server heap after GC per subscribed connection, bytes (above the empty server's). */
  heapPerSubscriber: number;
  /** Frames expected and received over all rounds. */
  expected: number;
  received: number;
  runs: number[];
}

/** Contenders in table order. */
export const FANOUT_CONTENDERS: readonly FanoutContender[] = ['ws', 'ddpx', 'socketio'];

interface Scenario {
  name: string;
  topics: number;
  subscribers: number;
  modes: readonly FanoutMode[];
}

async function waitDelivered(workers: Child[], expected: number, timeoutMs: number): Promise<FanoutSeen[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await Promise.all(workers.map((w) => w.request<FanoutSeen>('seen')));
    if (seen.reduce((t, s) => t + s.count, 0) >= expected || Date.now() > deadline) return seen;
    await sleep(20);
  }
}

async function runScenario(contender: FanoutContender, sc: Scenario, size: FanoutSize): Promise<FanoutRow[]> {
  const server = spawnChild('server', [JSON.stringify({ kind: contender, port: 0 })]);
  const workers: Child[] = [];
  try {
    const { port } = await server.nextEvent<{ port: number }>('listening');
    const base = await server.request<{ heapUsed: number }>('stats');
    const share = Math.ceil(sc.subscribers / size.workers);
    for (let w = 0; w < size.workers; w++)
      workers.push(spawnChild('fanoutClients', [JSON.stringify({ kind: contender, port })]));
    const opened = await Promise.all(
      workers.map((w, i) =>
        w.request<{ open: number; failed: number }>(
          'open',
          { count: Math.min(share, sc.subscribers - i * share), topics: sc.topics, offset: i * share },
          300_000,
        ),
      ),
    );
    const open = opened.reduce((t, o) => t + o.open, 0);
    const stats = await server.request<{ heapUsed: number }>('stats');
    const heapPerSubscriber = (stats.heapUsed - base.heapUsed) / Math.max(1, open);
    let v = 0;
    const rows: FanoutRow[] = [];
    for (const mode of sc.modes) {
      const rounds: { rate: number; first: number; last: number; cpu: number; received: number }[] = [];
      // One warm-up round, then the measured ones.
      for (let r = -1; r < size.runs; r++) {
        await Promise.all(workers.map((w) => w.request('reset')));
        const cpu0 = await server.request<number>('cpu');
        const start = await server.request<FanoutStart>('fanout', { mode, changes: size.changes, base: v });
        v += size.changes;
        const expected = open * size.changes;
        const seen = await waitDelivered(workers, expected, 60_000);
        const cpu1 = await server.request<number>('cpu');
        if (r < 0) continue;
        const received = seen.reduce((t, s) => t + s.count, 0);
        const first = Math.min(...seen.filter((s) => s.count > 0).map((s) => s.first)) - start.at;
        const last = Math.max(...seen.map((s) => s.last)) - start.at;
        rounds.push({
          rate: received / (Math.max(last, 0.001) / 1000),
          first,
          last,
          // The polling requests in between cost the server a little CPU too: the same for all.
          cpu: (cpu1 - cpu0) / Math.max(1, received),
          received,
        });
        await sleep(50);
      }
      rows.push({
        contender,
        scenario: sc.name,
        mode,
        topics: sc.topics,
        subscribers: open,
        changes: size.changes,
        deliveriesPerSec: median(rounds.map((x) => x.rate)),
        firstMs: median(rounds.map((x) => x.first)),
        lastMs: median(rounds.map((x) => x.last)),
        serverCpuUsPerDelivery: median(rounds.map((x) => x.cpu)),
        heapPerSubscriber,
        expected: open * size.changes * size.runs,
        received: rounds.reduce((t, x) => t + x.received, 0),
        runs: rounds.map((x) => Math.round(x.rate)),
      });
    }
    return rows;
  } finally {
    // Under BENCH_CPU_PROF the server exits normally, so it writes its profile.
    await Promise.all([
      ...workers.map((w) => w.kill()),
      process.env.BENCH_CPU_PROF ? server.stop() : server.kill(),
    ]);
  }
}

/**
 * Fan-out: one publication's change to every subscriber (issued in one burst, and one per event-loop
 * turn), and many publications with a few subscribers each; deliveries per second and the time until
 * the first and the last subscriber has it, against socket.io's room broadcast and raw ws.
 */
export async function runFanout(
  size: FanoutSize,
  contenders: readonly FanoutContender[] = FANOUT_CONTENDERS,
): Promise<FanoutRow[]> {
  await ensureBuilt();
  const scenarios: Scenario[] = [
    { name: 'one publication', topics: 1, subscribers: size.subscribers, modes: ['burst', 'turn'] },
    {
      name: `${size.topics} publications`,
      topics: size.topics,
      subscribers: size.topics * size.perTopic,
      modes: ['burst', 'turn'],
    },
  ];
  const rows: FanoutRow[] = [];
  for (const sc of scenarios)
    for (const contender of contenders) rows.push(...(await runScenario(contender, sc, size)));
  return rows;
}
