import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** Builds the inspector page from its sources into a temporary directory (so tests never use a stale dist). */
export async function buildInspectorPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ddpx-inspector-page-'));
  await build({
    configFile: join(packageDir, 'vite.config.ts'),
    root: join(packageDir, 'src/page'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'error',
  });
  return outDir;
}

/** Builds the test's browser client (the workspace client from its sources). */
export async function buildBrowserClient(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ddpx-inspector-client-'));
  await build({
    configFile: false,
    root: join(packageDir, 'test/browserClient'),
    base: './',
    resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
    define: { global: 'globalThis' },
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 3000 },
    logLevel: 'error',
  });
  return outDir;
}
