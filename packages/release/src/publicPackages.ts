import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './diagramSources.js';

/** A workspace package that is published (not `private`). */
export interface PublicPackage {
  /** `@ddpx/client` */
  readonly name: string;
  /** Absolute directory. */
  readonly dir: string;
  /** Its package.json as in the workspace. */
  readonly manifest: Record<string, unknown>;
}

/** Every public workspace package (`packages/*`, `statecharts`), found from the package.json files. */
export function publicPackages(): PublicPackage[] {
  const dirs = [
    ...readdirSync(join(REPO_DIR, 'packages')).map((d) => join(REPO_DIR, 'packages', d)),
    join(REPO_DIR, 'statecharts'),
  ];
  const found: PublicPackage[] = [];
  for (const dir of dirs) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (manifest.private !== true) found.push({ name: String(manifest.name), dir, manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

function newest(dir: string, pick: (file: string) => boolean, oldest = false): number {
  let best = oldest ? Number.POSITIVE_INFINITY : 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (pick(entry.name)) {
        const t = statSync(path).mtimeMs;
        best = oldest ? Math.min(best, t) : Math.max(best, t);
      }
    }
  };
  walk(dir);
  return best;
}

/** True when a package's `dist/` is missing or older than a file of its `src/`. */
export function distIsStale(pkg: PublicPackage): boolean {
  const dist = join(pkg.dir, 'dist');
  if (!existsSync(join(dist, 'index.js'))) return true;
  const src = newest(join(pkg.dir, 'src'), (f) => f.endsWith('.ts') || f.endsWith('.tsx'));
  const built = newest(dist, (f) => f.endsWith('.js'), true);
  return src > built;
}

/** Runs `pnpm build` for the packages whose `dist/` is stale (a fresh clone has none); returns their names. */
export function buildStale(packages: readonly PublicPackage[]): string[] {
  const stale = packages.filter(distIsStale).map((p) => p.name);
  if (stale.length === 0) return stale;
  // Dependencies first: pnpm orders a filtered recursive run topologically.
  const filters = packages.flatMap((p) => ['--filter', p.name]);
  execFileSync('pnpm', [...filters, 'run', 'build'], { cwd: REPO_DIR, stdio: 'pipe' });
  return stale;
}

/** `pnpm pack` (which turns `workspace:*` into the version) for each package; returns the tarball paths. */
export function packAll(packages: readonly PublicPackage[], destination: string): string[] {
  return packages.map((pkg) => {
    const out = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
      cwd: pkg.dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tarball = out
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .reverse()
      .find((l) => l.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack in ${pkg.dir} printed no tarball:\n${out}`);
    return tarball;
  });
}
