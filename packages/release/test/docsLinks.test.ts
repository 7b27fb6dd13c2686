import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from '../src/diagramSources.js';
import { publicPackages } from '../src/publicPackages.js';

// Every relative link in the docs and READMEs points at a file in the repository, and the committed API
// reference (docs/api, `pnpm api-docs`) has a page for every public package.
function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

const files = [
  join(REPO_DIR, 'README.md'),
  ...markdownFiles(join(REPO_DIR, 'docs')),
  ...publicPackages().map((p) => join(p.dir, 'README.md')),
  join(REPO_DIR, 'packages', 'bench', 'README.md'),
  join(REPO_DIR, 'packages', 'demo', 'README.md'),
];

describe('docs links', () => {
  for (const file of files) {
    it(`${relative(REPO_DIR, file)}: relative links resolve`, () => {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (match[1] as string).split('#')[0] as string;
        if (target === '' || /^[a-z]+:/i.test(target)) continue;
        if (!existsSync(join(dirname(file), decodeURI(target)))) broken.push(target);
      }
      expect(broken).toEqual([]);
    });
  }

  it('docs/api has a page for every public package, linked from docs/index.md', () => {
    for (const pkg of publicPackages()) {
      // One page per package; a package with subpath entries gets a folder (README.md lists its entries).
      const api = join(REPO_DIR, 'docs', 'api');
      expect(
        existsSync(join(api, `${pkg.name}.md`)) || existsSync(join(api, pkg.name, 'README.md')),
        `${pkg.name}: add it to packages/release/typedoc.json, then run pnpm api-docs`,
      ).toBe(true);
    }
    expect(readFileSync(join(REPO_DIR, 'docs', 'index.md'), 'utf8')).toContain('](api/README.md)');
  });
});
