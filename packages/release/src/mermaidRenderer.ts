import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { launchChromium } from '@ddpx/testing/browser';
import type { Browser } from 'playwright-core';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
/** The `mermaid` package's ES module bundle and the ELK layout's, served to the page from node_modules. */
const ROOTS: Record<string, string> = {
  mermaid: join(packageDir('mermaid'), 'dist'),
  elk: join(packageDir('@mermaid-js/layout-elk'), 'dist'),
};
/** The installed `mermaid` version. */
export const MERMAID_VERSION = String(
  (JSON.parse(readFileSync(join(packageDir('mermaid'), 'package.json'), 'utf8')) as { version: string })
    .version,
);

const PAGE = `<!doctype html><html><body><script type="module">
import mermaid from '/mermaid/mermaid.esm.min.mjs';
import elk from '/elk/mermaid-layout-elk.esm.min.mjs';
mermaid.registerLayoutLoaders(elk);
globalThis.mermaid = mermaid;
globalThis.mermaidLoaded = true;
</script></body></html>`;

/** Layouts a diagram can be drawn with: Mermaid's default (dagre, what Markdown viewers use) or ELK. */
export type MermaidLayout = 'dagre' | 'elk';

/** Renders Mermaid text to SVG in a real browser; one page serves many diagrams. */
export interface MermaidRenderer {
  /** The `mermaid` version the page runs. */
  readonly version: string;
  /** Resolves to the SVG, or rejects with Mermaid's own error (a parse or layout failure). */
  render(text: string, layout?: MermaidLayout): Promise<string>;
  /** Writes a PNG of an SVG (for looking at a diagram without a browser at hand). */
  screenshot(svg: string, path: string): Promise<void>;
  /** Closes the browser and the local file server. */
  close(): Promise<void>;
}

/** Serves the page and the two bundles on 127.0.0.1 (ES modules do not load from file: URLs). */
async function serveBundles(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
      return;
    }
    const [, root, ...rest] = path.split('/');
    const base = root ? ROOTS[root] : undefined;
    const file = base ? normalize(join(base, ...rest)) : undefined;
    if (!base || !file?.startsWith(base) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.mjs') ? 'text/javascript' : 'application/json' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Launches Chromium headless through playwright-core and loads Mermaid 11 (with the ELK layout) into a page. */
export async function startMermaidRenderer(): Promise<MermaidRenderer> {
  const server = await serveBundles();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (globalThis as { mermaidLoaded?: boolean }).mermaidLoaded === true);
    const open = browser;
    let n = 0;
    return {
      version: MERMAID_VERSION,
      render: async (text, layout = 'dagre') => {
        n++;
        const result = await page.evaluate(
          async ({ id, text, layout }) => {
            const mermaid = (globalThis as unknown as { mermaid: MermaidApi }).mermaid;
            // SVG <text> labels rather than HTML in <foreignObject>, so the files look alike in any viewer.
            mermaid.initialize({
              startOnLoad: false,
              securityLevel: 'strict',
              theme: 'default',
              layout,
              htmlLabels: false,
              flowchart: { htmlLabels: false },
            });
            try {
              await mermaid.parse(text);
              const { svg } = await mermaid.render(id, text);
              return { svg };
            } catch (error) {
              return { error: error instanceof Error ? error.message : String(error) };
            }
          },
          { id: `diagram${n}`, text, layout },
        );
        if ('error' in result) throw new Error(`Mermaid ${MERMAID_VERSION}: ${result.error}`);
        return result.svg;
      },
      screenshot: async (svg, path) => {
        const preview = await open.newPage({ viewport: { width: 2400, height: 1600 } });
        await preview.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
        await preview.locator('svg').first().screenshot({ path });
        await preview.close();
      },
      close: async () => {
        await open.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}

/** The part of Mermaid's browser API used here. */
interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}
