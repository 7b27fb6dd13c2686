import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * Workspace packages are bundled in from their TypeScript sources; every other package stays an
 * import of the file its importer would load (so `ws`, `xstate`, `socket.io`, `sockjs` are the real,
 * unbundled modules).
 */
const externalsByPath: Plugin = {
  name: 'externals-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@ddpx/') || args.pluginData === 'inner') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const r = await b.resolve(args.path, {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'inner',
      });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path, external: true };
    });
  },
};

/**
 * Compiles the child processes (`src/children/*.ts`, with @ddpx/* from source) into plain ESM under
 * `dist/children/`, as a production build would: no TypeScript loader at run time and no `keepNames`
 * wrappers (tsx adds one to every named closure, which costs memory per session and skews the numbers).
 */
export async function buildChildren(srcDir: string, outDir: string): Promise<void> {
  const children = join(srcDir, 'children');
  await build({
    entryPoints: readdirSync(children)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(children, f)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    keepNames: false,
    sourcemap: 'linked',
    plugins: [externalsByPath],
    logLevel: 'error',
  });
}
