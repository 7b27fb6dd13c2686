import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, DDPError, type DDPServer } from '@ddpx/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { runCli } from './runCliProcess.js';

// Each test runs child processes (npx, node, tsc); a shared, loaded CI machine can make them slow.
vi.setConfig({ testTimeout: 60_000 });

let server: DDPServer;
let base: string;
let refusedPort: number;
let failing: WebSocketServer;
let failingUrl: string;

beforeAll(async () => {
  server = createServer();
  server.methods({
    add: (a, b) => (a as number) + (b as number),
    echo: (...args) => args,
    deny() {
      throw new DDPError('not-allowed', 'Nope', { why: 'test' });
    },
  });
  server.publish('tasks', function (list) {
    this.added('tasks', 'a', { title: 'write docs', list });
    this.added('tasks', 'b', { title: 'fix bug', list });
    this.ready();
  });
  server.publish('secret', () => {
    throw new DDPError('not-authorized', 'Log in first');
  });
  const address = await server.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;

  // A port nobody listens on: bind, note it, close.
  const probe = createHttpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  // A peer that speaks no DDP version we know.
  failing = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  failing.on('connection', (ws) =>
    ws.on('message', () => ws.send(JSON.stringify({ msg: 'failed', version: 'zzz' }))),
  );
  await new Promise<void>((r) => failing.once('listening', () => r()));
  failingUrl = `ws://127.0.0.1:${(failing.address() as AddressInfo).port}/websocket`;
});

afterAll(async () => {
  await server.close();
  await new Promise<void>((r) => failing.close(() => r()));
});

describe('ddpx call', () => {
  it('prints the result as JSON and exits 0 (websocket and sockjs)', async () => {
    const ws = await runCli(['call', base, 'add', '1', '2']);
    expect(ws).toMatchObject({ code: 0, stdout: '3\n' });
    const sockjs = await runCli([
      'call',
      base,
      'echo',
      '"x"',
      '{"a":[1,2]}',
      '--transport',
      'sockjs',
      '--json',
    ]);
    expect(sockjs.code).toBe(0);
    expect(JSON.parse(sockjs.stdout)).toEqual(['x', { a: [1, 2] }]);
  });

  it('exits 1 with the server error', async () => {
    const run = await runCli(['call', base, 'deny']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('deny failed: Nope [not-allowed]');
    expect(run.stderr).toContain('{"why":"test"}');
    const missing = await runCli(['call', base, 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Method 'nope' not found [404]");
  });

  it('exits 2 for a bad URL, a non-JSON argument or bad usage', async () => {
    const url = await runCli(['call', 'ftp://example.com', 'add']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("bad URL 'ftp://example.com'");
    const port = await runCli(['call', 'localhost:99999', 'add']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('bad URL');
    const arg = await runCli(['call', base, 'add', '1', 'two']);
    expect(arg.code).toBe(2);
    expect(arg.stderr).toContain('argument 2 is not JSON: two');
    const unknown = await runCli(['frobnicate', base]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const flag = await runCli(['call', base, 'add', '--nope']);
    expect(flag.code).toBe(2);
  });

  it('exits 3 when the connection is refused', async () => {
    const run = await runCli(['call', `127.0.0.1:${refusedPort}`, 'add', '1', '2']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `cannot connect to ws://127.0.0.1:${refusedPort}/websocket over websocket: connection refused`,
    );
  });

  it('exits 4 when version negotiation fails', async () => {
    const run = await runCli(['call', failingUrl, 'add', '1', '2']);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('DDP version negotiation failed; server requested version zzz');
  });
});

describe('ddpx sub', () => {
  it('streams the documents and exits after ready with --until-ready', async () => {
    const run = await runCli(['sub', base, 'tasks', '"work"', '--until-ready']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'added    tasks/a {"title":"write docs","list":"work"}',
      'added    tasks/b {"title":"fix bug","list":"work"}',
      'ready    tasks',
      '',
    ]);
  });

  it('streams over SockJS as NDJSON, and exits 1 when the publication fails', async () => {
    const run = await runCli(['sub', base, 'tasks', '-t', 'sockjs', '--json', '--until-ready']);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['added', 'added', 'ready']);
    const denied = await runCli(['sub', base, 'secret']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("subscription 'secret' failed: Log in first [not-authorized]");
  });
});

describe('ddpx connect', () => {
  it('prints the transitions until Ctrl-C', async () => {
    const run = await runCli(['connect', base], { interruptWhen: /session \w+/ });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/connecting ws:\/\/127\.0\.0\.1:\d+\/websocket/);
    expect(run.stdout).toMatch(/\] connected/);
    expect(run.stdout).toMatch(/session \w{17} \(first-session\)/);
  });

  it('shows the retry countdown and gives up after --max-retries with exit 3, announcing no retry it will not make', async () => {
    const run = await runCli(['connect', `127.0.0.1:${refusedPort}`, '--max-retries', '3']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/waiting {4}retry #1 in \d+ ms {2}\(connection refused/);
    expect(run.stdout).toMatch(/waiting {4}retry #2 in \d+ ms/);
    expect(run.stdout).toMatch(/waiting {4}retry #3 in \d\.\ds/);
    expect(run.stdout).toMatch(/retrying in \ds…/);
    expect(run.stdout).not.toMatch(/retry #4/);
    expect(run.stdout).toMatch(/waiting {4}giving up \(connection refused/);
    expect(run.stderr).toContain(
      `gave up on ws://127.0.0.1:${refusedPort}/websocket over websocket after 3 retries: connection refused`,
    );
  });

  it('prints --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ddpx connect <url>');
  });
});
