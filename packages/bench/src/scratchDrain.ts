import { runStorm } from './benches/storm.js';
import { FULL, SMOKE } from './sizes.js';

const which = process.argv[2] === 'smoke' ? SMOKE : FULL;
const scenarios = (process.argv[3] ?? 'drain-hint').split(',') as ('drain' | 'drain-hint')[];
const over = process.argv[4] ? JSON.parse(process.argv[4]) : {};
for (const s of scenarios) {
  const row = await runStorm(s, 'meteor', { ...which.storm, drain: { ...which.storm.drain, ...over } });
  const { timeline, recoveredTimeline, firstRetryCdf, ...rest } = row;
  console.log(JSON.stringify(rest));
  console.log('timeline', JSON.stringify(timeline.filter(([, n]) => n > 0)));
}
process.exit(0);
