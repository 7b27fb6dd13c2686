// Makes a fresh machine ready: pnpm 12 (installed through npm when missing), then the workspace's
// packages from the frozen lockfile. Quiet and fast when everything is already in place.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
const has = (cmd) => {
  try {
    execSync(`${cmd} --version`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

if (!has('pnpm')) {
  console.log('[bootstrap] installing pnpm 12 with npm');
  run('npm i -g pnpm@12');
}
const stamp = 'node_modules/.modules.yaml';
const stale = !existsSync(stamp) || statSync(stamp).mtimeMs < statSync('pnpm-lock.yaml').mtimeMs;
if (stale) {
  console.log('[bootstrap] installing packages (frozen lockfile)');
  run('pnpm install --frozen-lockfile');
}
