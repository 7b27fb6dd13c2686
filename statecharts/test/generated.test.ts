import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedArtifacts, REPO_DIR } from '../scripts/artifacts.js';

describe('committed diagrams and JSON match the machines', () => {
  for (const [path, expected] of expectedArtifacts()) {
    const name = relative(REPO_DIR, path);
    it(name, () => {
      const hint = `${name} is out of date with the machines: run \`pnpm --filter @ddpx/statecharts generate\` and commit the result`;
      expect(existsSync(path), hint).toBe(true);
      const actual = readFileSync(path, 'utf8');
      if (actual !== expected) expect.fail(hint);
    });
  }
});
