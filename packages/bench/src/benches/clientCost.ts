import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BENCH_ROOT, ensureBuilt, spawnChild } from '../proc.js';
import type { TransitionCost } from '../transitionCost.js';

/** Browser bundle size of one client library. */
export interface BundleRow {
  library: string;
  /** What the entry imports. */
  entry: string;
  /** Minified bytes of the bundle the page loads first. */
  minified: number;
  /** Gzip (level 9) of the same. */
  gzip: number;
  /** Bytes left in lazily loaded chunks (e.g. ddpx's SockJS transport). */
  lazyMinified: number;
  /**
   * What each package contributes to the first-loaded bundle: its minified bytes (esbuild's metafile,
   * exact) and its share of the gzip size (in proportion to its minified bytes, an estimate), largest first.
   */
  byPackage: { name: string; minified: number; gzipShare: number }[];
}

/** The package a bundled input file belongs to (`ws`, `@ddpx/client`, …). */
export function packageOf(path: string): string {
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (nm) return nm[1]!;
  const ws = /(?:^|\/)([a-z][^/]*)\/src\//.exec(path);
  if (ws) return `@ddpx/${ws[1]}`;
  return path;
}

const ENTRIES: readonly { library: string; code: string }[] = [
  { library: '@ddpx/client', code: "export { connect } from '@ddpx/client';" },
  { library: 'simpleddp', code: "export { default } from 'simpleddp';" },
  { library: 'ddp.js', code: "export { default } from 'ddp.js';" },
  { library: 'socket.io-client', code: "export { io } from 'socket.io-client';" },
];

/** Bundles each library for the browser with esbuild (minify, tree-shake, ESM, code splitting) and gzips it. */
export async function bundleSizes(): Promise<BundleRow[]> {
  const rows: BundleRow[] = [];
  for (const { library, code } of ENTRIES) {
    const result = await build({
      stdin: { contents: code, resolveDir: BENCH_ROOT, sourcefile: 'entry.js', loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      splitting: true,
      outdir: '/out',
      write: false,
      platform: 'browser',
      target: 'es2020',
      conditions: ['source'],
      define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
      logLevel: 'silent',
      metafile: true,
    });
    const entry = result.outputFiles.find(
      (f) => f.path.endsWith('/entry.js') || f.path.endsWith('/stdin.js'),
    );
    const main = entry ?? result.outputFiles[0]!;
    const lazy = result.outputFiles.filter((f) => f !== main && f.path.endsWith('.js'));
    const gzip = gzipSync(main.contents, { level: 9 }).byteLength;
    const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
    const meta = Object.entries(result.metafile.outputs).find(([path]) => base(path) === base(main.path));
    const perPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(meta?.[1].inputs ?? {}))
      perPackage.set(packageOf(input), (perPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    const counted = [...perPackage.values()].reduce((t, b) => t + b, 0);
    rows.push({
      library,
      entry: code,
      minified: main.contents.byteLength,
      gzip,
      lazyMinified: lazy.reduce((t, f) => t + f.contents.byteLength, 0),
      byPackage: [...perPackage]
        .map(([name, minified]) => ({ name, minified, gzipShare: (gzip * minified) / Math.max(1, counted) }))
        .sort((a, b) => b.minified - a.minified),
    });
  }
  return rows;
}

/** Measures {@link TransitionCost} in a child process (the built client, nothing else running in it). */
export async function statusTransitionCost(target: number): Promise<TransitionCost> {
  await ensureBuilt();
  const child = spawnChild('transitions');
  try {
    return await child.request<TransitionCost>('run', target);
  } finally {
    await child.kill();
  }
}
