/**
 * Writes statecharts/generated/<machine>.json and .mmd from the machines, and refreshes the mermaid
 * blocks in docs/statecharts.md. Run: `pnpm --filter @ddpx/statecharts generate`.
 * test/generated.test.ts fails when the committed files differ from what this produces.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { expectedArtifacts, REPO_DIR } from './artifacts.js';

let changed = 0;
for (const [path, contents] of expectedArtifacts()) {
  let before: string | undefined;
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    before = undefined;
  }
  if (before === contents) continue;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  changed++;
  console.log(`wrote ${relative(REPO_DIR, path)}`);
}
console.log(changed === 0 ? 'generated files are up to date' : `${changed} file(s) updated`);
