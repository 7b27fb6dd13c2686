// `node --conditions=source --import tsx packages/bench/src/bundleReport.ts`: only the client-cost
// bundle tables of `pnpm bench` (section 5 of results.md), printed as markdown in a few seconds.
import { bundleSizes } from './benches/clientCost.js';
import { bundleMarkdown } from './report.js';

console.log(bundleMarkdown(await bundleSizes()).join('\n'));
