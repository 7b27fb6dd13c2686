// `pnpm --filter @ddpx/bench run bench:profile [contender]`: one round-trip window (256 in flight) with
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

const contender = (process.argv[2] ?? 'ddpx') as RttContender;
const dir = mkdtempSync(join(tmpdir(), 'ddpx-prof-'));
process.env.BENCH_CPU_PROF = dir;
await ensureBuilt();
const serverKind = contender === 'ws' ? 'ws' : contender === 'socketio' ? 'socketio' : 'ddpx';
const server = spawnChild('server', [JSON.stringify({ kind: serverKind, port: 0 })]);
const { port } = await server.nextEvent<{ port: number }>('listening');
const client = spawnChild('rttClient', [JSON.stringify({ kind: contender, port })]);
await client.request('ready');
console.log(await client.request('run', { inflight: 256, warmupMs: 1000, durationMs: 4000 }));
await Promise.all([client.stop(), server.stop()]);
for (const [name, pid] of [
  ['server', server.proc.pid],
  ['client', client.proc.pid],
] as const) {
  const file = readdirSync(dir).find((f) => f.includes(`.${pid}.0.`));
  if (!file) continue;
  console.log(`\n--- ${name} (${join(dir, file)})`);
  for (const line of topFunctions(join(dir, file), 25)) console.log(line);
}
