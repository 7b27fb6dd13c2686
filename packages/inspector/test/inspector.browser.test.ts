import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Connection, connect } from '@ddpx/client';
import { createServer, type DDPServer } from '@ddpx/server';
import { type FaultProxy, startFaultProxy } from '@ddpx/testing';
import { browserTestsEnabled, launchChromium } from '@ddpx/testing/browser';
import { createWebSocketInspector } from '@statelyai/inspect';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { type RunningInspector, startInspector } from '../src/index.js';
import { buildBrowserClient, buildInspectorPage } from './support/buildPages.js';
import { SCREENSHOTS_DIR } from './support/screenshots.js';
import { serveDirectory } from './support/staticServer.js';

// The inspector in Debian's chromium: a Node client and a browser client stream their charts to it
// through disconnect, reconnect, drop-and-resume and a server restart, and the page is checked at
// every step. Its screenshots are the ones docs/inspector.md shows.
const shots = SCREENSHOTS_DIR;
const failures = fileURLToPath(new URL('../test-results', import.meta.url));
const GRACE_MS = 15_000;
const RETRY_MS = 3000;

function ddpServer(inspect: string): DDPServer {
  const server = createServer({ inspect, resume: { gracePeriodMs: GRACE_MS } });
  server.methods({ add: (a: unknown, b: unknown) => (a as number) + (b as number) });
  server.publish('ticks', function () {
    this.ready();
  });
  return server;
}

describe.skipIf(!browserTestsEnabled())('the inspector in headless Chromium', () => {
  let pageDir: string;
  let clientDir: string;
  let inspector: RunningInspector;
  let browser: Browser;
  let proxy: FaultProxy;
  let server: DDPServer;
  let clientSite: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    [pageDir, clientDir] = await Promise.all([buildInspectorPage(), buildBrowserClient()]);
    inspector = await startInspector({ port: 0, pageDir });
    server = ddpServer(`${inspector.inspectUrl}?name=server`);
    const { port } = await server.listen(0, '127.0.0.1');
    proxy = await startFaultProxy(port);
    clientSite = await serveDirectory(clientDir);
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
    mkdirSync(failures, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await proxy?.close();
    await clientSite?.close();
    await inspector?.close();
    for (const dir of [pageDir, clientDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Selects a client in the sidebar by producer name; returns its actor view. */
  const open = async (page: Page, name: string) => {
    await page.locator(`[data-testid="target"][data-name="${name}"]`).click();
    return page.getByTestId('actor-view');
  };
  const highlighted = (page: Page, state: string) =>
    page.locator(`[data-testid="actor-view"] [data-state="${state}"][data-active="true"]`).first().waitFor();
  const logged = (page: Page, type: string) =>
    page.locator(`[data-testid="event-log"] li[data-event="${type}"]`).first().waitFor();
  const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) });

  it('follows a Node client and a browser client through disconnect, reconnect, drop-and-resume and a server restart', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1150 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('websocket', (ws) => requests.push(ws.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const ddpUrl = `ws://127.0.0.1:${proxy.port}/websocket`;
    const node: Connection = connect(ddpUrl, {
      inspect: `${inspector.inspectUrl}?name=node-client`,
      backoff: () => RETRY_MS,
    });
    const site = await browser.newPage();
    await site.goto(
      `${clientSite.url}?ddp=${encodeURIComponent(ddpUrl)}&inspect=${encodeURIComponent(`${inspector.inspectUrl}?name=browser-client`)}`,
    );
    const browserClient = {
      status: () => site.locator('#status').textContent(),
      session: () => site.evaluate(() => (window as unknown as { conn: Connection }).conn.sessionId),
      run: (what: 'disconnect' | 'reconnect') =>
        site.evaluate((w) => (window as unknown as { conn: Connection }).conn[w](), what),
    };
    // Any XState actor, through @statelyai/inspect's own WebSocket inspector.
    const stately = createWebSocketInspector({ url: `${inspector.inspectUrl}?name=stately` });
    const toggle = createActor(
      createMachine({
        id: 'toggle',
        initial: 'off',
        states: { off: { on: { FLIP: 'on' } }, on: { on: { FLIP: 'off' } } },
      }),
      {
        inspect: stately.inspect,
      },
    ).start();

    try {
      await page.goto(inspector.url);
      await page.getByTestId('hub-status').filter({ hasText: 'connected' }).waitFor();
      await node.call('add', 2, 3);
      await expect.poll(() => browserClient.status()).toBe('connected');
      const clients = [
        {
          name: 'node-client',
          session: () => node.sessionId,
          run: (w: 'disconnect' | 'reconnect') => node[w](),
        },
        { name: 'browser-client', session: () => browserClient.session(), run: browserClient.run },
      ];

      // Connected: the chart highlights linked.connected.session.live; the log has the handshake.
      for (const c of clients) {
        await open(page, c.name);
        await highlighted(page, 'linked.connected.session.live');
        await logged(page, 'DDP.CONNECTED');
        await page
          .getByTestId('context-session')
          .filter({ hasText: (await c.session())! })
          .waitFor();
      }
      await shot(page, 'client-connected');

      // Disconnect: offline, the DISCONNECT arrow animated, no timer running.
      for (const c of clients) {
        await c.run('disconnect');
        await open(page, c.name);
        await highlighted(page, 'offline');
        await logged(page, 'DISCONNECT');
        await page
          .locator('[data-testid="actor-view"] [data-event="DISCONNECT"][data-taken="true"]')
          .first()
          .waitFor();
        expect(await page.getByTestId('timer').count()).toBe(0);
      }
      await shot(page, 'client-offline');

      // Step back through past snapshots to the connected one (past a TRANSPORT.CLOSED that may have
      // followed the DISCONNECT), then live again.
      const live = page.locator(
        '[data-testid="actor-view"] [data-state="linked.connected.session.live"][data-active="true"]',
      );
      for (let i = 0; i < 3 && (await live.count()) === 0; i++) {
        await page.getByTestId('step-back').click();
        await page.waitForTimeout(100);
      }
      await highlighted(page, 'linked.connected.session.live');
      await logged(page, 'DDP.CONNECTED');
      expect(await page.locator('[data-testid="event-log"] li[data-event="DISCONNECT"]').count()).toBe(0);
      expect(await page.getByTestId('step-position').textContent()).not.toContain('live');
      await page.getByTestId('go-live').click();
      await highlighted(page, 'offline');

      // Reconnect: connected again (a new session: disconnect() said goodbye).
      for (const c of clients) {
        await c.run('reconnect');
        await open(page, c.name);
        await logged(page, 'RECONNECT');
        await highlighted(page, 'linked.connected.session.live');
      }

      // Drop every socket without a close frame: both clients wait (the backoff countdown runs),
      // the server holds both sessions detached (grace countdown), then both resume them.
      const before = { node: node.sessionId, browser: await browserClient.session() };
      proxy.refuse(true); // until the page has been checked: retries fail, the sessions stay detached
      proxy.cut();
      await open(page, 'node-client');
      await highlighted(page, 'waiting');
      const backoff = page.locator(
        '[data-testid="timer"][data-timer*="backoff"] [data-testid="timer-remaining"]',
      );
      await backoff.filter({ hasText: /^[0-3]\.\d s$/ }).waitFor();
      const remaining = Number.parseFloat((await backoff.textContent())!);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(RETRY_MS / 1000);
      await shot(page, 'client-waiting');
      await page.locator('[data-testid="target"][data-kind="server"]').first().click();
      await page.locator('[data-testid="session-row"][data-state="detached"]').nth(1).waitFor();
      await page
        .getByTestId('grace-remaining')
        .first()
        .filter({ hasText: /^grace \d+\.\d s$/ })
        .waitFor();
      await shot(page, 'server-detached');
      proxy.refuse(false);
      await expect.poll(() => browserClient.status(), { timeout: 10_000 }).toBe('connected');
      await expect.poll(() => node.status().status, { timeout: 10_000 }).toBe('connected');
      expect(node.sessionId).toBe(before.node);
      expect(await browserClient.session()).toBe(before.browser);
      await page.getByTestId('count-resumes').filter({ hasText: /^2$/ }).waitFor();
      for (const c of clients) {
        await open(page, c.name);
        await highlighted(page, 'linked.connected.session.resumed');
        await logged(page, 'TRANSPORT.CLOSED');
      }

      // Click a session: the server streams its chart.
      await page.locator('[data-testid="target"][data-kind="server"]').first().click();
      await page.locator(`[data-testid="session-row"][data-session="${before.node}"]`).click();
      await page
        .locator('[data-testid="focused-session"] [data-state="established"][data-active="true"]')
        .waitFor();
      await shot(page, 'server-session');

      // Restart the server: both clients wait with a countdown, then get new sessions on the new server.
      await server.close();
      await open(page, 'node-client');
      await highlighted(page, 'waiting');
      await page.locator('[data-testid="timer"][data-timer*="backoff"]').waitFor();
      server = ddpServer(`${inspector.inspectUrl}?name=server-2`);
      proxy.retarget((await server.listen(0, '127.0.0.1')).port);
      await expect.poll(() => node.status().status, { timeout: 15_000 }).toBe('connected');
      await expect.poll(() => browserClient.status(), { timeout: 15_000 }).toBe('connected');
      expect(node.sessionId).not.toBe(before.node);
      for (const c of clients) {
        await open(page, c.name);
        await highlighted(page, 'linked.connected.session.live');
        await page
          .getByTestId('context-session')
          .filter({ hasText: (await c.session())! })
          .waitFor();
      }
      // (the browser client is open) The event log filters by type and payload.
      await page.getByTestId('event-filter').fill('transport.closed');
      await logged(page, 'TRANSPORT.CLOSED');
      expect(await page.locator('[data-testid="event-log"] li[data-event="DDP.CONNECTED"]').count()).toBe(0);
      await page.getByTestId('event-filter').fill('');

      await page.locator('[data-testid="target"][data-name="server-2"]').click();
      await page.getByTestId('count-established').filter({ hasText: /^2$/ }).waitFor();

      // The plain XState actor, drawn from the definition @statelyai/inspect sent.
      toggle.send({ type: 'FLIP' });
      await open(page, 'stately');
      await highlighted(page, 'on');
      await logged(page, 'FLIP');

      await open(page, 'node-client');
      await shot(page, 'client-after-restart');
      expect(errors).toEqual([]);
      // Nothing the inspector page asked for left 127.0.0.1.
      expect(requests.length).toBeGreaterThan(2);
      for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
      // And it could not: its Content Security Policy refuses any other origin (192.0.2.1 is TEST-NET).
      const violated = await page.evaluate(
        () =>
          new Promise<string>((resolve) => {
            document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {
              once: true,
            });
            fetch('http://192.0.2.1/').catch(() => {});
          }),
      );
      expect(violated).toBe('connect-src');
    } catch (error) {
      // (not into docs/: a failure shot goes to the git-ignored test-results/)
      await page.screenshot({ path: join(failures, 'inspector-failure.png') }).catch(() => {});
      throw error;
    } finally {
      toggle.stop();
      stately.stop();
      node.close();
      await site.close();
      await page.close();
    }
  }, 120_000);
});
