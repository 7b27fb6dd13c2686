import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Connection, connect } from '@ddpx/client';
import { createServer } from '@ddpx/server';
import { startFaultProxy } from '@ddpx/testing';
import { browserTestsEnabled, launchChromium } from '@ddpx/testing/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningInspector, startInspector } from '../src/index.js';
import { buildInspectorPage } from './support/buildPages.js';
import { SCREENSHOTS_DIR } from './support/screenshots.js';

const shots = SCREENSHOTS_DIR;
const SESSIONS = 500;
const DROPPED = 100;

function whenConnected(c: Connection): Promise<void> {
  if (c.status().connected) return Promise.resolve();
  return new Promise((resolve) => {
    const off = c.onStatus((s) => {
      if (!s.connected) return;
      off();
      resolve();
    });
  });
}

describe.skipIf(!browserTestsEnabled())('the inspector with a fleet of sessions', () => {
  let pageDir: string;
  let inspector: RunningInspector;

  beforeAll(async () => {
    pageDir = await buildInspectorPage();
    inspector = await startInspector({ port: 0, pageDir });
  }, 60_000);

  afterAll(async () => {
    await inspector?.close();
    if (pageDir) rmSync(pageDir, { recursive: true, force: true });
  });

  it(`shows ${SESSIONS} sessions, ${DROPPED} of them detaching and resuming, with the server's own counts`, async () => {
    const server = createServer({
      inspect: `${inspector.inspectUrl}?name=fleet`,
      resume: { gracePeriodMs: 30_000 },
    });
    let detaches = 0;
    let resumes = 0;
    server.on('detach', () => detaches++);
    server.on('resume', () => resumes++);
    const { port } = await server.listen(0, '127.0.0.1');
    const proxy = await startFaultProxy(port);
    const clients: Connection[] = [];
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const count = (name: string) => page.getByTestId(`count-${name}`);
    try {
      for (let i = 0; i < SESSIONS; i++) {
        // The first DROPPED go through the proxy, and wait 2.5 s before retrying once it is cut.
        const viaProxy = i < DROPPED;
        const url = `ws://127.0.0.1:${viaProxy ? proxy.port : port}/websocket`;
        clients.push(connect(url, viaProxy ? { backoff: () => 2500 } : {}));
        if (i % 50 === 49) await Promise.all(clients.map(whenConnected));
      }
      await Promise.all(clients.map(whenConnected));
      await expect.poll(() => server.connections.size).toBe(SESSIONS);

      await page.goto(inspector.url);
      await page.locator('[data-testid="target"][data-name="fleet"]').click();
      await count('established')
        .filter({ hasText: new RegExp(`^${SESSIONS}$`) })
        .waitFor();
      expect(await count('live').textContent()).toBe(String(server.connections.size));

      // Cut the proxied sockets and refuse new ones: the server holds DROPPED sessions detached while
      // their clients retry in vain.
      proxy.refuse(true);
      proxy.cut();
      await expect.poll(() => detaches, { timeout: 5000 }).toBe(DROPPED);
      await count('detached')
        .filter({ hasText: new RegExp(`^${detaches - resumes}$`) })
        .waitFor();
      expect(await count('established').textContent()).toBe(String(SESSIONS - DROPPED));
      expect(await count('live').textContent()).toBe(String(server.connections.size));
      await page.getByTestId('state-filter').selectOption('detached');
      await page
        .getByTestId('row-count')
        .filter({ hasText: new RegExp(`^${DROPPED} of ${SESSIONS} sessions`) })
        .waitFor();
      await page.screenshot({ path: join(shots, 'server-fleet.png') });
      await page.getByTestId('state-filter').selectOption('');

      // Let them through: they resume, and every count matches the server's own again.
      proxy.refuse(false);
      await Promise.all(clients.map(whenConnected));
      await expect.poll(() => resumes, { timeout: 10_000 }).toBe(DROPPED);
      await count('resumes')
        .filter({ hasText: new RegExp(`^${resumes}$`) })
        .waitFor();
      await count('established')
        .filter({ hasText: new RegExp(`^${SESSIONS}$`) })
        .waitFor();
      expect(await count('live').textContent()).toBe(String(server.connections.size));
      expect(await page.getByTestId('count-detached').count()).toBe(0);
    } finally {
      for (const c of clients) c.close();
      await page.close();
      await browser.close();
      await server.close();
      await proxy.close();
    }
  }, 120_000);
});
