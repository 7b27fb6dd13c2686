import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BENCH_ROOT, ensureBuilt, spawnChild } from '../proc.js';
import type { TransitionCost } from '../transitionCost.js';

/** What one package (or one input file) contributes to a bundle. */
export interface BundleShare {
  /** The package (`xstate`, `@ddpx/client`) or the input file (`packages/client/src/connection.ts`). */
  name: string;
  /** Minified bytes in the first-loaded bundle (esbuild's metafile, exact). */
  minified: number;
  /** Its share of the first-loaded bundle's gzip size, in proportion to its minified bytes (an estimate). */
  gzipShare: number;
  /** Minified bytes in lazily loaded chunks (exact). */
  lazyMinified: number;
}

/** Browser bundle size of one client library. */
export interface BundleRow {
  library: string;
  /** What the entry imports. */
  entry: string;
  /** Minified bytes the page loads first: the entry's output and the chunks it imports statically. */
  minified: number;
  /** Gzip (level 9) of the same, file by file. */
  gzip: number;
  /** Bytes left in lazily loaded chunks (e.g. ddpx's SockJS transport). */
  lazyMinified: number;
  /** What each package contributes, largest first-loaded share first. */
  byPackage: BundleShare[];
  /** The same per input file (workspace sources by path, dependencies by their path in the package). */
  byFile: BundleShare[];
}

/** The package a bundled input file belongs to (`ws`, `@ddpx/client`, …). */
export function packageOf(path: string): string {
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (nm) return nm[1]!;
  const ws = /(?:^|\/)([a-z][^/]*)\/src\//.exec(path);
  if (ws) return `@ddpx/${ws[1]}`;
  return path;
}

/** A readable name for a bundled input file: `xstate/dist/raise-….esm.js`, `client/src/connection.ts`. */
export function fileOf(path: string): string {
  const nm = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(.*)$/.exec(path);
  if (nm) return nm[1]!;
  const ws = /(?:^|\/)((?:packages\/)?[a-z][^/]*\/src\/.*)$/.exec(path);
  return ws ? ws[1]!.replace(/^packages\//, '') : path;
}

const ENTRIES: readonly { library: string; code: string }[] = [
  { library: '@ddpx/client', code: "export { connect } from '@ddpx/client';" },
  { library: 'simpleddp', code: "export { default } from 'simpleddp';" },
  { library: 'ddp.js', code: "export { default } from 'ddp.js';" },
  { library: 'socket.io-client', code: "export { io } from 'socket.io-client';" },
];

/**
 * The esbuild options of every bundle: a browser app's build. `source` points the workspace packages at
 * their sources (no build needed); `module` is the condition esbuild applies on its own when no custom
 * condition is set, and Vite, webpack and Rollup's node-resolve apply too: without it, naming `source`
 * would drop it and packages that ship an ESM build under `module` (xstate) would be bundled from their
 * CommonJS build, which cannot be tree-shaken.
 */
export const BROWSER_BUILD = {
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,
  outdir: '/out',
  write: false,
  platform: 'browser',
  target: 'es2020',
  conditions: ['source', 'module'],
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  logLevel: 'silent',
  metafile: true,
} as const;

/** One bundle: the outputs the page loads first, the lazily loaded chunks and esbuild's metafile. */
export interface BrowserBundle {
  /** The entry's output and every chunk it imports statically (transitively): loaded before it runs. */
  first: Uint8Array[];
  /** Chunks reached only through a dynamic `import()`. */
  lazy: Uint8Array[];
  /** Inputs of the first-loaded outputs together, with their bytes in them. */
  firstInputs: Record<string, number>;
  /** Inputs of the lazy chunks together, with their bytes in them. */
  lazyInputs: Record<string, number>;
}

/** Bundles `code` (an entry module's text, resolved from the bench package) as a browser app would. */
export async function bundleForBrowser(code: string): Promise<BrowserBundle> {
  const result = await build({
    ...BROWSER_BUILD,
    conditions: [...BROWSER_BUILD.conditions],
    stdin: { contents: code, resolveDir: BENCH_ROOT, sourcefile: 'entry.js', loader: 'js' },
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((p) => outputs[p]!.entryPoint !== undefined)!;
  // Shared chunks that the entry imports statically load with it: follow `import-statement` edges.
  const firstPaths = new Set<string>([entry]);
  for (const path of firstPaths)
    for (const edge of outputs[path]!.imports)
      if (edge.kind === 'import-statement' && edge.path in outputs) firstPaths.add(edge.path);
  const byBase = new Map(result.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f]));
  const fileOfOutput = (path: string) => byBase.get(path.slice(path.lastIndexOf('/') + 1))!.contents;
  const bundle: BrowserBundle = { first: [], lazy: [], firstInputs: {}, lazyInputs: {} };
  for (const [path, output] of Object.entries(outputs)) {
    if (!path.endsWith('.js')) continue;
    const first = firstPaths.has(path);
    (first ? bundle.first : bundle.lazy).push(fileOfOutput(path));
    const inputs = first ? bundle.firstInputs : bundle.lazyInputs;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      inputs[input] = (inputs[input] ?? 0) + bytesInOutput;
  }
  return bundle;
}

/** Adds up bytes per key (`packageOf` or `fileOf`) for the first-loaded and the lazy outputs. */
function shares(bundle: BrowserBundle, gzip: number, keyOf: (path: string) => string): BundleShare[] {
  const first = new Map<string, number>();
  const lazy = new Map<string, number>();
  for (const [input, bytes] of Object.entries(bundle.firstInputs))
    first.set(keyOf(input), (first.get(keyOf(input)) ?? 0) + bytes);
  for (const [input, bytes] of Object.entries(bundle.lazyInputs))
    lazy.set(keyOf(input), (lazy.get(keyOf(input)) ?? 0) + bytes);
  const counted = [...first.values()].reduce((t, b) => t + b, 0);
  const names = new Set([...first.keys(), ...lazy.keys()]);
  return [...names]
    .map((name) => {
      const minified = first.get(name) ?? 0;
      return {
        name,
        minified,
        gzipShare: (gzip * minified) / Math.max(1, counted),
        lazyMinified: lazy.get(name) ?? 0,
      };
    })
    .filter((s) => s.minified > 0 || s.lazyMinified > 0)
    .sort((a, b) => b.minified - a.minified || b.lazyMinified - a.lazyMinified);
}

/** Bundles each library for the browser with esbuild (minify, tree-shake, ESM, code splitting) and gzips it. */
export async function bundleSizes(): Promise<BundleRow[]> {
  const rows: BundleRow[] = [];
  for (const { library, code } of ENTRIES) {
    const bundle = await bundleForBrowser(code);
    // What the page downloads first: each first-loaded file gzipped on its own, as a server sends it.
    const gzip = bundle.first.reduce((t, f) => t + gzipSync(f, { level: 9 }).byteLength, 0);
    rows.push({
      library,
      entry: code,
      minified: bundle.first.reduce((t, f) => t + f.byteLength, 0),
      gzip,
      lazyMinified: bundle.lazy.reduce((t, f) => t + f.byteLength, 0),
      byPackage: shares(bundle, gzip, packageOf),
      byFile: shares(bundle, gzip, fileOf),
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
