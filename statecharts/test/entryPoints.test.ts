import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { source?: string }>;
};

/** Every module specifier `file` imports or re-exports (type-only imports included). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]!);
}

/** The bare (package) imports reachable from `entry` through its relative imports. */
function reachablePackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) visit(join(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe('entry points', () => {
  it('the main entry never reaches xstate/graph; @ddpx/statecharts/testing does', () => {
    const main = reachablePackages(join(root, manifest.exports['.']!.source!));
    expect(main).toContain('xstate');
    expect(main).not.toContain('xstate/graph');
    const testing = reachablePackages(join(root, manifest.exports['./testing']!.source!));
    expect(testing).toContain('xstate/graph');
  });

  it('@ddpx/statecharts/testing exports the path generators, the main entry does not', async () => {
    const testing = (await import(join(root, manifest.exports['./testing']!.source!))) as Record<
      string,
      unknown
    >;
    const main = (await import(join(root, manifest.exports['.']!.source!))) as Record<string, unknown>;
    for (const name of ['connectionTestPaths', 'eventPaths', 'describeTestEvent', 'EXPLORED_CLIENT_EVENTS']) {
      expect(testing[name], name).toBeDefined();
      expect(main[name], name).toBeUndefined();
    }
  });
});
