// `pnpm demo` / `npm start`: builds the demo page (vite, from the workspace packages' TypeScript
// sources) and starts the demo server from its sources (tsx, `source` export condition), so the demo
// never depends on a stale or half-built dist/. The server prints its URL. PORT (default 3000) and
// HOST (default 127.0.0.1) pick where it listens; SKIP_BUILD=1 reuses the last page build.
import { execSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, 'packages/demo');

if (process.env.SKIP_BUILD !== '1' || !existsSync(join(demo, 'dist/page/index.html'))) {
  console.log('[demo] building the demo page (vite)…');
  try {
    execSync('pnpm -s run build:page', { cwd: demo, stdio: 'inherit' });
  } catch {
    console.error('[demo] the page build failed; see the errors above');
    process.exit(1);
  }
}

const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/server/main.ts'], {
  cwd: demo,
  stdio: 'inherit',
  env: process.env,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
