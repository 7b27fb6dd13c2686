// `pnpm bench` (full) and `pnpm bench:smoke`: runs every benchmark, prints the markdown and, for the
// full size (or with --out DIR), writes it and the SVG plots. `--only redis` runs just the Redis
// benchmarks and merges them into the results.json already in the output directory.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { BENCH_ROOT } from './proc.js';
import { markdown, plots } from './report.js';
import { type BenchResults, runAll } from './runAll.js';
import { runRedis } from './runRedis.js';
import { FULL, SMOKE } from './sizes.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
// --render: only re-renders results.md and the plots from the results.json in the output directory.
const render = args.includes('--render');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
if (only !== undefined && only !== 'redis') throw new RangeError(`--only takes 'redis', got ${only}`);
const outIndex = args.indexOf('--out');
const outDir =
  outIndex >= 0 ? args[outIndex + 1] : smoke ? undefined : join(BENCH_ROOT, '..', '..', 'docs', 'benchmarks');
const command =
  (smoke ? 'pnpm --filter @ddpx/bench run bench:smoke' : 'pnpm bench') + (only ? ` --only ${only}` : '');
const log = (line: string) => console.error(line);
const size = smoke ? SMOKE : FULL;

let machine = describeMachine();
let runCommand = command;
let results: BenchResults;
/** The run already in `outDir/results.json` (what `--render` and `--only redis` start from). */
function previousRun(why: string): BenchResults & { machine: string; command: string } {
  const previous = outDir ? join(outDir, 'results.json') : undefined;
  if (!previous || !existsSync(previous)) throw new Error(`${why}: give --out DIR holding a results.json`);
  return JSON.parse(readFileSync(previous, 'utf8')) as BenchResults & { machine: string; command: string };
}

if (render) {
  const { machine: m, command: c, ...rest } = previousRun('--render re-renders an earlier results.json');
  [machine, runCommand, results] = [m, c, rest];
} else if (only === 'redis') {
  const { machine: m, command: c, ...rest } = previousRun('--only redis merges into an earlier results.json');
  [machine, runCommand] = [m, c];
  results = { ...rest, redis: await runRedis(size, command, log) };
} else results = await runAll(size, log, command);
const md = markdown(results, runCommand, machine);
console.log(md);
if (outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.md'), `${md}\n`);
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify({ machine, command: runCommand, ...results }, null, 1)}\n`,
  );
  for (const [file, svg] of Object.entries(plots(results))) writeFileSync(join(outDir, file), svg);
  console.error(`written to ${outDir}`);
}
process.exit(0);
