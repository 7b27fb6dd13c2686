import type { FanoutRow } from './benches/fanout.js';
import type { MemoryRow } from './benches/memory.js';
import type { RoundTripRow } from './benches/roundTrip.js';
import { fmt, ratio } from './stats.js';

/** Display names of the contenders. */
export const NAMES: Record<string, string> = {
  ws: 'raw ws echo',
  ddpx: 'ddpx (ws)',
  socketio: 'socket.io (ack)',
  'ddpx-sockjs': 'ddpx over SockJS',
  naive: 'naive DDP on ws',
};

const FANOUT_NAMES: Record<string, string> = {
  ws: 'raw ws (one string to each)',
  ddpx: 'ddpx (ws)',
  socketio: 'socket.io (room)',
};

const pass = (ok: boolean) => (ok ? '**met**' : '**missed**');
const find = (rows: readonly RoundTripRow[], c: string, n: number) =>
  rows.find((x) => x.contender === c && x.inflight === n);

function table(rows: readonly RoundTripRow[]): string[] {
  const out = [
    '| contender | in flight | calls/s | × raw ws | p50 ms | p99 ms | p99 × raw ws | server CPU µs/call (kernel) | client CPU µs/call (kernel) | runs (calls/s) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const floor = find(rows, 'ws', row.inflight)!;
    out.push(
      `| ${NAMES[row.contender]} | ${row.inflight} | ${fmt(row.callsPerSec)} | ${ratio(row.callsPerSec, floor.callsPerSec)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${ratio(row.p99, floor.p99)} | ${row.serverCpuUsPerCall.toFixed(1)} (${row.serverSysUsPerCall.toFixed(1)}) | ${row.clientCpuUsPerCall.toFixed(1)} (${row.clientSysUsPerCall.toFixed(1)}) | ${row.runs.join(', ')} |`,
    );
  }
  return out;
}

function verdicts(rows: readonly RoundTripRow[], label: string): string {
  const r = (c: string, n: number) =>
    (find(rows, c, n)?.callsPerSec ?? 0) / Math.max(1, find(rows, 'ws', n)?.callsPerSec ?? 0);
  const one = r('ddpx', 1);
  const many = r('ddpx', 256);
  const tail = (find(rows, 'ddpx', 256)?.p99 ?? 0) / Math.max(1e-9, find(rows, 'ws', 256)?.p99 ?? 0);
  return `Targets (${label}): 1 in flight ≥ 0.85× raw ws — ${one.toFixed(2)}×, ${pass(one >= 0.85)}; 256 in flight ≥ 1.0× raw ws — ${many.toFixed(2)}×, ${pass(many >= 1)}; p99 at 256 ≤ 2× raw ws's — ${tail.toFixed(2)}×, ${pass(tail <= 2)}.`;
}

/** Section 1: round trips, unpinned and pinned, with the targets and what pinning changes. */
export function roundTripMarkdown(
  rows: readonly RoundTripRow[],
  pinnedRows: readonly RoundTripRow[],
): string[] {
  const out: string[] = ['## 1. Method round trips', ''];
  out.push(
    'Small payload `{"n":42,"s":"hello, world","ok":true}`, closed loop (`async` loops, each awaiting its call), median of the runs. CPU per call from `process.cpuUsage()` (user + system; the kernel part in brackets). Raw ws echoes the bytes of the DDP `method` frame unparsed; the naive DDP pair parses every frame with one `JSON.parse` and answers `result` + `updated`.',
    '',
    '### Unpinned (the kernel places the processes)',
    '',
    ...table(rows),
    '',
    verdicts(rows, 'unpinned'),
    '',
    '### Pinned: every server on CPU 0, every client on CPU 1 (`taskset -a`)',
    '',
  );
  if (pinnedRows.length === 0 || !pinnedRows.every((x) => x.pinned)) {
    out.push('Not measured pinned on this machine (no `taskset` or fewer than 2 CPUs).', '');
  } else {
    out.push(...table(pinnedRows), '', verdicts(pinnedRows, 'pinned'), '');
    const at = (rs: readonly RoundTripRow[], c: string) =>
      (find(rs, c, 256)?.callsPerSec ?? 0) / Math.max(1, find(rs, 'ws', 256)?.callsPerSec ?? 0);
    out.push(
      `Pinned vs unpinned at 256 in flight, × raw ws: ddpx ${at(rows, 'ddpx').toFixed(2)}× → ${at(pinnedRows, 'ddpx').toFixed(2)}×, socket.io ${at(rows, 'socketio').toFixed(2)}× → ${at(pinnedRows, 'socketio').toFixed(2)}×, naive DDP ${at(rows, 'naive').toFixed(2)}× → ${at(pinnedRows, 'naive').toFixed(2)}×.`,
      '',
    );
  }
  out.push(
    `Calls lost or unmatched: ${[...rows, ...pinnedRows].map((x) => x.sent - x.received + x.unmatched).reduce((a, b) => a + b, 0)}.`,
    '',
    '![round trips](round-trips.svg)',
    '',
  );
  return out;
}

/** Section 2: fan-out, with the targets and the merge box's memory per subscribed session. */
export function fanoutMarkdown(rows: readonly FanoutRow[], memory: readonly MemoryRow[]): string[] {
  const out: string[] = ['## 2. Fan-out', ''];
  out.push(
    "One change (`{ v, topic, s: 'hello, world', ok: true, n: 42 }`) to every subscriber: ddpx calls `changed` on each subscription of its publication (through each session's merge box; the same visible change is encoded and framed once), socket.io broadcasts to a room, raw ws sends one pre-encoded string to each socket. **burst**: all changes issued in one synchronous loop; **turn**: one change per event-loop turn (`setImmediate`). Subscribers are bare `ws` clients in 2 worker processes, the same for every server; times are from the first change issued to the first / the last change frame received by any client (all clocks on one machine). Median of the rounds.",
    '',
    '| scenario | mode | contender | subscribers | changes | deliveries/s | × socket.io | first ms | first × raw ws | last ms | server CPU µs/delivery | server heap per subscriber | received / expected |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const same = (r: FanoutRow, c: string) =>
    rows.find((x) => x.scenario === r.scenario && x.mode === r.mode && x.contender === c);
  for (const row of rows) {
    const io = same(row, 'socketio');
    const ws = same(row, 'ws');
    out.push(
      `| ${row.scenario} | ${row.mode} | ${FANOUT_NAMES[row.contender]} | ${fmt(row.subscribers)} | ${row.changes} | ${fmt(row.deliveriesPerSec)} | ${ratio(row.deliveriesPerSec, io?.deliveriesPerSec ?? 0)} | ${row.firstMs.toFixed(2)} | ${ratio(row.firstMs, ws?.firstMs ?? 0)} | ${row.lastMs.toFixed(1)} | ${row.serverCpuUsPerDelivery.toFixed(2)} | ${(row.heapPerSubscriber / 1024).toFixed(1)} KB | ${fmt(row.received)} / ${fmt(row.expected)} |`,
    );
  }
  const ddpx = rows.filter((x) => x.contender === 'ddpx');
  const vsIo = ddpx.map((r) => r.deliveriesPerSec / Math.max(1, same(r, 'socketio')?.deliveriesPerSec ?? 0));
  const first = ddpx.map((r) => r.firstMs / Math.max(1e-6, same(r, 'ws')?.firstMs ?? 0));
  out.push(
    '',
    `Targets: ddpx ≥ 1.2× socket.io's deliveries/s in every mode — worst ${Math.min(...vsIo).toFixed(2)}×, ${pass(Math.min(...vsIo) >= 1.2)}; first delivery within 2× raw ws's — worst ${Math.max(...first).toFixed(2)}×, ${pass(Math.max(...first) <= 2)}.`,
  );
  const idle = memory.find(
    (x) => x.contender === 'ddpx' && x.connections <= (ddpx[0]?.subscribers ?? 0) * 1.02,
  );
  const subscribed = ddpx.find((x) => x.topics === 1);
  if (idle && subscribed)
    out.push(
      '',
      `Merge box: a ddpx session subscribed to one publication holding one document holds ${(subscribed.heapPerSubscriber / 1024).toFixed(1)} KB of server heap against ${(idle.heapPerConn / 1024).toFixed(1)} KB idle (section 3), so the subscription, its merge-box entry and the copy of the document cost ≈ ${((subscribed.heapPerSubscriber - idle.heapPerConn) / 1024).toFixed(1)} KB per session (Meteor keeps the same per-session copy; socket.io and raw ws keep none).`,
    );
  out.push('');
  return out;
}
