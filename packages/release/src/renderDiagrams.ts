/**
 * Renders the statecharts' Mermaid sources (statecharts/generated/*.mmd) to docs/statecharts/*.svg in
 * Debian's Chromium (playwright-core; no browser download), laid out with ELK (Mermaid's default dagre
 * layout piles the server chart's labels onto each other). Run: `pnpm diagrams` (root).
 * `--png <dir>` also writes PNG previews there. test/diagrams.test.ts fails when an SVG is missing or
 * was rendered from another source, and when any diagram in docs/ fails to render.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_DIR, SVG_DIR, statechartSources, svgStamp } from './diagramSources.js';
import { startMermaidRenderer } from './mermaidRenderer.js';

const { values } = parseArgs({ options: { png: { type: 'string' } } });
const renderer = await startMermaidRenderer();
try {
  mkdirSync(SVG_DIR, { recursive: true });
  for (const [name, text] of statechartSources()) {
    const svg = await renderer.render(text, 'elk');
    const path = join(SVG_DIR, `${name}.svg`);
    writeFileSync(path, `${svgStamp(text, renderer.version)}\n${svg}\n`);
    console.log(`wrote ${relative(REPO_DIR, path)}`);
    if (values.png) {
      mkdirSync(values.png, { recursive: true });
      await renderer.screenshot(svg, join(values.png, `${name}.png`));
    }
  }
} finally {
  await renderer.close();
}
