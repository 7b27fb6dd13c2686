import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

// docs/testing.md shows app authors how to use the kit; its examples must work as printed. Each
// TypeScript block that imports the kit's main entry is written to a module under this package's
// node_modules/.cache (so its imports resolve as an app's would) and imported here: the `test(...)`
// calls inside register in this file and run over real loopback sockets like any other test. (The
// browser example needs an app on port 3000; docs-samples.test.ts typechecks it.)
const here = dirname(fileURLToPath(import.meta.url));
const guide = readFileSync(join(here, '..', '..', '..', 'docs', 'testing.md'), 'utf8');
const samples = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
  .map((m) => m[1]!)
  .filter((code) => code.includes("from '@ddpx/testing'"));
if (samples.length < 4)
  throw new Error(`expected the 4 runnable examples of docs/testing.md, found ${samples.length}`);

const dir = join(here, '..', 'node_modules', '.cache', `guide-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const [i, code] of samples.entries()) {
  const file = join(dir, `example${i + 1}.ts`);
  writeFileSync(file, code);
  await import(file);
}
