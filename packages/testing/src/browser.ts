/**
 * `@ddpx/testing/browser`: headless Chromium for browser tests, through playwright-core (an optional
 * peer dependency) and Debian's `/usr/bin/chromium`, never a downloaded browser.
 *
 * @module browser
 */
import { existsSync } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';

/** The Chromium binary browser tests use: `$CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium flags for tests: headless, no sandbox (containers), no GPU, no QUIC, and no background
 * traffic (no first-run, component updates, sync or other background networking), so a test run
 * makes no network request of its own.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when `CI` is `true` or `1`. */
export function onCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * Whether browser tests should run here: when the Chromium binary exists, and always on CI (where
 * a missing binary must fail the run rather than skip it). Use with `describe.skipIf(!browserTestsEnabled())`.
 */
export function browserTestsEnabled(): boolean {
  return existsSync(CHROMIUM_PATH) || onCi();
}

/**
 * Launches headless Chromium through playwright-core (an optional peer dependency: install it to use
 * this entry) with {@link CHROMIUM_ARGS}; `options` are merged in and `options.args` appended. Rejects
 * with an `apt-get install -y chromium` hint when the binary is missing, and says to install
 * playwright-core when it is.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (cause) {
    throw new Error('@ddpx/testing/browser needs playwright-core: npm i -D playwright-core', { cause });
  }
  const { chromium } = playwright;
  return chromium.launch({
    ...options,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
