import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { browserTestsEnabled, CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../src/browser.js';

describe('@ddpx/testing/browser', () => {
  it('turns off background networking in its flags and names Debian chromium unless overridden', () => {
    expect(CHROMIUM_ARGS).toEqual(
      expect.arrayContaining([
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
      ]),
    );
    expect(CHROMIUM_PATH).toBe(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  });

  it.skipIf(!browserTestsEnabled())(
    'launches chromium that loads a page from a loopback server',
    async () => {
      const http = createServer((_req, res) => res.end('<title>kit</title><p id="x">hello</p>'));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
        expect(await page.title()).toBe('kit');
        expect(await page.textContent('#x')).toBe('hello');
      } finally {
        await browser.close();
        await new Promise<void>((r) => http.close(() => r()));
      }
    },
    30_000,
  );
});
