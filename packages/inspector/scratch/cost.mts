import { ServerInspectorLink } from '../../server/src/inspectorLink.ts';
import { resolveOptions } from '../../server/src/options.ts';
import { startInspector } from '../src/index.ts';
import { fakePageDir } from '../test/support/fakePage.ts';

const r = await startInspector({ port: 0, pageDir: fakePageDir() });
const options = resolveOptions({ inspect: r.inspectUrl });
const link = new ServerInspectorLink(r.inspectUrl, options, { intervalMs: 3_600_000 });
await new Promise((res) => setTimeout(res, 300));
const N = 10_000;
const hooks = [];
for (let i = 0; i < N; i++) {
  const s = { id: `s${i}`, transport: 'websocket', connection: { clientAddress: '127.0.0.1' }, inspectStats: () => ({ subscriptions: 1, methodsInFlight: 0, bufferedBytes: 100 }) };
  hooks.push(link.watch(s));
}
const est = { value: { established: 'idle' }, status: 'active', context: {} } as any;
const ping = { value: { established: 'pinging' }, status: 'active', context: {} } as any;
for (const h of hooks) h(est, { type: 'xstate.init' });
let t = performance.now();
for (let k = 0; k < 100; k++) for (const h of hooks) h(k % 2 ? est : ping, { type: 'DDP.ACTIVITY' });
const perStep = ((performance.now() - t) * 1e6) / (100 * N);
t = performance.now(); (link as any).flush(); const first = performance.now() - t;
const idles = []; for (let k = 0; k < 21; k++) { t = performance.now(); (link as any).flush(); idles.push(performance.now() - t); }
idles.sort((a, b) => a - b); const idle = idles[10];
console.log(`step hook: ${perStep.toFixed(0)} ns/step; flush of ${N} sessions: all changed ${first.toFixed(1)} ms, none changed ${idle.toFixed(1)} ms (median of 21)`);
link.close(); await r.close();
