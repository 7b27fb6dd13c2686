import { describe, expect, it } from 'vitest';
import { bundleForBrowser, fileOf, packageOf } from '../src/benches/clientCost.js';

// What a `connect`-only browser app loads first, from esbuild's metafile: the features only some apps
// use stay out of it (in lazy chunks), and no Node-only module leaks into it.
describe("the browser bundle of `export { connect } from '@ddpx/client'`", () => {
  it('loads SockJS lazily and no Node-only module at all', async () => {
    const bundle = await bundleForBrowser("export { connect } from '@ddpx/client';");
    const first = Object.keys(bundle.firstInputs).filter((p) => bundle.firstInputs[p]! > 0);
    const firstPackages = new Set(first.map(packageOf));
    const lazyPackages = new Set(Object.keys(bundle.lazyInputs).map(packageOf));
    expect(lazyPackages).toContain('sockjs-client');
    expect(firstPackages).not.toContain('sockjs-client');
    expect(first.filter((p) => p.startsWith('node:'))).toEqual([]);
    // xstate's ESM build (tree-shakable), not its CommonJS one.
    expect(first.filter((p) => packageOf(p) === 'xstate' && p.includes('.cjs.'))).toEqual([]);
    expect(first.map(fileOf)).toContain('client/src/connection.ts');
    // The inspector stream is loaded on first use (an `inspect` URL) only.
    const lazyFiles = Object.keys(bundle.lazyInputs).map(fileOf);
    expect(lazyFiles).toContain('client/src/inspectorStream.ts');
    expect(first.map(fileOf)).not.toContain('client/src/inspectorStream.ts');
  });
});
