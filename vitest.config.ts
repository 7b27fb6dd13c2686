import { execFileSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';

// The Redis scale-out tests start a real `redis-server` (Debian's package; `.ci/run` installs it). On a
// machine without it they are left out with a note, as the browser tests are without Chromium; on CI
// (`CI=true`) they always run, so a missing server fails loudly there.
function haveRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const redisTests = process.env.CI === 'true' || haveRedisServer();
if (!redisTests)
  console.warn(
    '[ddpx] redis-server not found: skipping packages/redis tests (apt-get install -y redis-server)',
  );

// One suite for the whole workspace. Workspace packages resolve to their TypeScript sources through
// the `source` export condition, so tests never need a build first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}', 'statecharts/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(redisTests ? [] : ['packages/redis/test/**'])],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
