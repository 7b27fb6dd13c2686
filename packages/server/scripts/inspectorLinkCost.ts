// What the inspector link costs a server, per session step and per batch:
//   node --conditions=source --import tsx packages/server/scripts/inspectorLinkCost.ts [sessions]
// A measurement to read, not a test (docs/inspector.md quotes it); the receiver is a bare WebSocket server.

import { WebSocketServer } from 'ws';
import type { AnyMachineSnapshot } from 'xstate';
import { ServerInspectorLink } from '../src/inspectorLink.js';
import { resolveOptions } from '../src/options.js';

const N = Number(process.argv[2] ?? 10_000);
const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await new Promise((resolve) => wss.once('listening', resolve));
const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
const link = new ServerInspectorLink(url, resolveOptions({ inspect: url }), { intervalMs: 3_600_000 });
await new Promise((resolve) => wss.once('connection', resolve));
await new Promise((resolve) => setTimeout(resolve, 100));

const stats = { subscriptions: 1, methodsInFlight: 0, bufferedBytes: 100 };
const hooks = Array.from({ length: N }, (_, i) =>
  link.watch({
    id: `s${i}`,
    transport: 'websocket',
    connection: { clientAddress: '127.0.0.1' },
    inspectStats: () => stats,
  }),
);
const idle = {
  value: { established: 'idle' },
  status: 'active',
  context: {},
} as unknown as AnyMachineSnapshot;
const pinging = {
  value: { established: 'pinging' },
  status: 'active',
  context: {},
} as unknown as AnyMachineSnapshot;
for (const hook of hooks) hook(idle, { type: 'xstate.init' });

let t = performance.now();
for (let k = 0; k < 100; k++) for (const hook of hooks) hook(k % 2 ? idle : pinging, { type: 'step' });
const perStep = ((performance.now() - t) * 1e6) / (100 * N);

const flush = () => (link as unknown as { flush(): void }).flush();
t = performance.now();
flush(); // every session is new: one full batch (at most maxPerBatch summaries)
const full = performance.now() - t;
for (let sent = 2000; sent < N; sent += 2000) flush(); // the rest, 2,000 a batch (maxPerBatch)
const quiet: number[] = [];
for (let k = 0; k < 21; k++) {
  t = performance.now();
  flush(); // nothing changed: stats read, counts computed, an empty batch sent
  quiet.push(performance.now() - t);
}
quiet.sort((a, b) => a - b);
console.log(
  `${N} sessions: step hook ${perStep.toFixed(0)} ns; first batch ${full.toFixed(1)} ms; ` +
    `batch with nothing changed ${quiet[10]!.toFixed(1)} ms (median of 21)`,
);
link.close();
wss.close();
