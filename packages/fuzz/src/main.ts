// `pnpm fuzz [--frames N] [--seed S] [--json path]`: runs the fuzzer, prints the table, writes the JSON.
// FUZZ_FRAMES and FUZZ_SEED set the same from the environment. Exits 1 when anything was found.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { profileFor } from './profile.js';
import { formatReport } from './report.js';
import { runFuzz } from './runFuzz.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'string' },
    small: { type: 'boolean' },
  },
});
const frames = Number(values.frames ?? process.env.FUZZ_FRAMES ?? (values.small ? 20_000 : 1_000_000));
const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? 1);
const json = values.json ?? 'fuzz-report.json';

const report = await runFuzz(profileFor(frames, { seed }), (line) => console.log(line));
console.log(`\n${formatReport(report)}`);
writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nJSON report: ${json}`);
process.exit(report.findings.length === 0 ? 0 : 1);
