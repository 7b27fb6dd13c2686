import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserTestsEnabled, CHROMIUM_PATH } from '@ddpx/testing/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsDiagrams, SVG_DIR, statechartSources, svgStamp } from '../src/diagramSources.js';
import { type MermaidRenderer, startMermaidRenderer } from '../src/mermaidRenderer.js';

// Every Mermaid diagram in docs/ must render in Mermaid 11 (the default layout, as Markdown viewers
// draw it), and the committed SVGs of the statecharts must come from the current sources. Debian's
// Chromium through playwright-core; skipped locally without it, failing on CI (which installs it).
if (!browserTestsEnabled())
  console.warn(`[diagrams] skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium)`);

describe.skipIf(!browserTestsEnabled())('diagrams render', () => {
  let renderer: MermaidRenderer;
  beforeAll(async () => {
    renderer = await startMermaidRenderer();
  }, 60_000);
  afterAll(async () => {
    await renderer?.close();
  });

  const diagrams = docsDiagrams();
  it('finds the diagrams in docs/ (both statecharts among them)', () => {
    expect(diagrams.length).toBeGreaterThanOrEqual(3);
    expect(diagrams.filter((d) => d.where.startsWith('docs/statecharts.md')).length).toBeGreaterThanOrEqual(
      2,
    );
  });

  for (const diagram of diagrams) {
    it(`${diagram.where} renders`, async () => {
      const svg = await renderer.render(diagram.text);
      expect(svg).toMatch(/^<svg[^>]*id="diagram\d+"/);
    });
  }

  it('reports a diagram that does not render (the check can fail)', async () => {
    await expect(renderer.render('stateDiagram-v2\n  a --> b : done: x\n  state a {\n')).rejects.toThrow(
      /Mermaid 11/,
    );
  });

  for (const [name, text] of statechartSources()) {
    it(`docs/statecharts/${name}.svg is rendered from the current ${name}.mmd`, async () => {
      const path = join(SVG_DIR, `${name}.svg`);
      const hint = `docs/statecharts/${name}.svg is stale or missing: run \`pnpm diagrams\` and commit it`;
      expect(existsSync(path), hint).toBe(true);
      const committed = readFileSync(path, 'utf8');
      expect(committed.split('\n')[0], hint).toBe(svgStamp(text, renderer.version));
      expect(committed).toContain('<svg');
      // The committed picture's layout (ELK) must render too.
      expect(await renderer.render(text, 'elk')).toContain('<svg');
    });
  }
});
