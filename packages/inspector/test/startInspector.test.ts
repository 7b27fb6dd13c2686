import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  inspectorToken,
  isLoopback,
  type RunningInspector,
  runInspectCommand,
  startInspector,
} from '../src/index.js';
import { fakePageDir } from './support/fakePage.js';

const pageDir = fakePageDir();
const running: RunningInspector[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});
process.on('exit', () => rmSync(pageDir, { recursive: true, force: true }));

async function start(options: Parameters<typeof startInspector>[0] = {}): Promise<RunningInspector> {
  const r = await startInspector({ port: 0, pageDir, ...options });
  running.push(r);
  return r;
}

/** Opens a WebSocket; resolves with the HTTP status it was refused with, or 101 when it opened. */
function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('startInspector', () => {
  it('binds 127.0.0.1 and serves the page with a policy that keeps it on its own origin', async () => {
    const r = await start();
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(r.inspectUrl).toBe(r.url.replace('http', 'ws'));
    const res = await fetch(r.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await res.text()).toContain('<title>inspector</title>');
    expect((await fetch(`${r.url}assets/app.js`)).status).toBe(200);
    expect((await fetch(`${r.url}..%2f..%2fetc%2fpasswd`)).status).toBe(404);
  });

  it('with a token, refuses the page and every socket that lacks it', async () => {
    const r = await start({ token: 'sesame-sesame' });
    expect(r.url).toContain('?token=sesame-sesame');
    const bare = r.url.split('?')[0]!;
    expect((await fetch(bare)).status).toBe(403);
    expect((await fetch(`${bare}?token=wrong-token`)).status).toBe(403);
    expect((await fetch(r.url)).status).toBe(200);
    expect(await wsStatus(bare.replace('http', 'ws'))).toBe(403);
    expect(await wsStatus(r.inspectUrl)).toBe(101);
  });

  it('lets only its own page read what it holds (a foreign origin is refused)', async () => {
    const r = await start();
    const page = `${r.inspectUrl}page`;
    const origin = r.url.slice(0, -1);
    expect(await wsStatus(page, { origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus(page, { origin })).toBe(101);
    // Producers (a browser app on any origin) may send.
    expect(await wsStatus(r.inspectUrl, { origin: 'http://localhost:3000' })).toBe(101);
  });

  it('needs a token off loopback, and generates one when none is given', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.2', '::'].map(isLoopback)).toEqual([false, false, false]);
    expect(inspectorToken('127.0.0.1', undefined)).toBeUndefined();
    expect(inspectorToken('0.0.0.0', undefined)).toMatch(/^[\w-]{24}$/);
    expect(inspectorToken('0.0.0.0', 'my-long-secret')).toBe('my-long-secret');
    expect(() => inspectorToken('0.0.0.0', 'short')).toThrow(RangeError);
  });

  it('refuses a page directory without a built page', async () => {
    await expect(startInspector({ port: 0, pageDir: '/nonexistent' })).rejects.toThrow(/No inspector page/);
  });
});

describe('runInspectCommand', () => {
  it('prints the URLs, serves until stopped, and returns 0', async () => {
    const out: string[] = [];
    const stop = new AbortController();
    const done = runInspectCommand(['--port', '0'], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      signal: stop.signal,
      pageDir,
    });
    await expect.poll(() => out.length).toBeGreaterThanOrEqual(2);
    const url = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out[0]!)?.[1];
    expect(url).toBeDefined();
    expect((await fetch(url!)).status).toBe(200);
    expect(out[1]).toContain(`inspect: '${url!.replace('http', 'ws')}'`);
    stop.abort();
    expect(await done).toBe(0);
  });

  it('rejects a bad port and unknown flags with usage, exit code 2', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (l: string) => err.push(l) };
    expect(await runInspectCommand(['--port', 'abc'], io)).toBe(2);
    expect(await runInspectCommand(['--bogus'], io)).toBe(2);
    expect(err.join('\n')).toContain('Usage: ddpx inspect');
  });
});

describe('the ddpx-inspect bin', () => {
  it('runs as a process: prints the URL, serves the built page, exits 0 on SIGINT', async () => {
    const dir = fileURLToPath(new URL('..', import.meta.url));
    // The bin serves the built page (`pnpm build` runs before the tests on CI).
    expect(existsSync(`${dir}dist/page/index.html`)).toBe(true);
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/bin.ts', '--port', '0'],
      { cwd: dir },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await expect.poll(() => /on (http:\S+)/.exec(out)?.[1], { timeout: 10_000 }).toBeDefined();
    const url = /on (http:\S+)/.exec(out)![1]!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>ddpx inspector</title>');
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });
});
