// `pnpm --filter @ddpx/bench run bench:profile [contender] [inflight]`: one round-trip window (256 in flight
// unless given) with
// both processes under `--cpu-prof`, then the top self-time functions of the server and the client.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, spawnChild } from './proc.js';
import type { RttContender } from './rttTypes.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Top `count` functions by self time of a `.cpuprofile`, as printable lines. */
export function topFunctions(file: string, count: number): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const file = f.url
      .replace(/.*node_modules\/\.pnpm\/([^/]+)\/.*/, '$1')
      .replace(/.*\/(packages|statecharts)\//, '');
    const key = `${f.functionName || '(anonymous)'} ${file}`;
    const dt = prof.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
}

/** Where a sample's time goes, coarsely: the syscall, GC, node internals, ws, xstate, ddpx, the rest. */
function category(f: ProfileNode['callFrame']): string {
  const name = f.functionName;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === 'writev' || name === 'writeUtf8String' || name === 'writeBuffer') return 'write syscall';
  if (name === '(program)') return 'program (native, unattributed)';
  if (f.url.includes('/ws@')) return 'ws';
  if (f.url.includes('/xstate@')) return 'xstate';
  if (f.url.includes('socket.io') || f.url.includes('engine.io')) return 'socket.io';
  if (f.url.startsWith('node:')) return 'node internals';
  if (f.url.includes('bench/dist/children')) return 'bundled code (ddpx + bench loop)';
  return name === 'parse' || name === 'stringify' ? 'JSON' : 'other native';
}

/**
 * Self time per category in the last `windowMs` of a profile (the measured window; the child stops
 * right after it), as µs per call for `calls` calls.
 */
export function categories(file: string, windowMs: number, calls: number): string[] {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const times: number[] = [];
  let t = 0;
  for (const d of prof.timeDeltas) {
    t += d;
    times.push(t);
  }
  const end = t - 100_000; // the stop, after the window
  const start = end - windowMs * 1000;
  const per = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const at = times[i]!;
    if (at < start || at > end) return;
    const key = category(byId.get(id)!.callFrame);
    per.set(key, (per.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  let busy = 0;
  for (const [k, v] of per) if (k !== 'idle') busy += v;
  return [
    `${(busy / calls).toFixed(1).padStart(6)} µs/call busy in all`,
    ...[...per]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${(v / calls).toFixed(1).padStart(6)} µs/call  ${k}`),
  ];
}

const contender = (process.argv[2] ?? 'ddpx') as RttContender;
const inflight = Number(process.argv[3] ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'ddpx-prof-'));
process.env.BENCH_CPU_PROF = dir;
await ensureBuilt();
const serverKind = contender === 'ws' ? 'ws' : contender === 'socketio' ? 'socketio' : 'ddpx';
const server = spawnChild('server', [JSON.stringify({ kind: serverKind, port: 0 })]);
const { port } = await server.nextEvent<{ port: number }>('listening');
const client = spawnChild('rttClient', [JSON.stringify({ kind: contender, port })]);
await client.request('ready');
const cpu0 = await server.request<number>('cpu');
const durationMs = 4000;
const res = await client.request<{ sent: number; calls: number }>('run', {
  inflight,
  warmupMs: 1000,
  durationMs,
});
const cpu1 = await server.request<number>('cpu');
console.log({ ...res, serverCpuUsPerCall: (cpu1 - cpu0) / Math.max(1, res.sent) });
await Promise.all([client.stop(), server.stop()]);
for (const [name, pid] of [
  ['server', server.proc.pid],
  ['client', client.proc.pid],
] as const) {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.0.`));
  if (!file) continue;
  console.log(`\n--- ${name} (${join(dir, file)})`);
  for (const line of topFunctions(join(dir, file), Number(process.env.TOP ?? 25))) console.log(line);
  console.log('  by category, measured window:');
  for (const line of categories(join(dir, file), durationMs - 200, res.calls)) console.log(`  ${line}`);
}
