// `pnpm bench` (full) and `pnpm bench:smoke`: runs every benchmark, prints the markdown and, for the
// full size (or with --out DIR), writes it and the SVG plots.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { BENCH_ROOT } from './proc.js';
import { markdown, plots } from './report.js';
import { runAll } from './runAll.js';
import { FULL, SMOKE } from './sizes.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const outIndex = args.indexOf('--out');
const outDir =
  outIndex >= 0 ? args[outIndex + 1] : smoke ? undefined : join(BENCH_ROOT, '..', '..', 'docs', 'benchmarks');
const command = smoke ? 'pnpm --filter @ddpx/bench run bench:smoke' : 'pnpm bench';

const machine = describeMachine();
const results = await runAll(smoke ? SMOKE : FULL, (line) => console.error(line));
const md = markdown(results, command, machine);
console.log(md);
if (outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.md'), `${md}\n`);
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify({ machine, command, ...results }, null, 1)}\n`,
  );
  for (const [file, svg] of Object.entries(plots(results))) writeFileSync(join(outDir, file), svg);
  console.error(`written to ${outDir}`);
}
process.exit(0);
