import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type DDPServer } from '@ddpx/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FROM_SOURCES, runCli, runPipedIntoHead } from './runCliProcess.js';

// Each test runs child processes (npx, node, tsc); a shared, loaded CI machine can make them slow.
vi.setConfig({ testTimeout: 60_000 });

// What the CLI says when it cannot reach a DDP endpoint, what it shows when a session changes under
// `sub`, and how it behaves when the reader of its output goes away. Real servers on 127.0.0.1 port 0.

let server: DDPServer;
let port: number;
let refusedPort: number;

async function freePort(): Promise<number> {
  const probe = createHttpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

function sampleServer(): DDPServer {
  const ddp = createServer();
  ddp.methods({ range: (n) => Array.from({ length: n as number }, (_, i) => i) });
  ddp.publish('tasks', function () {
    this.added('tasks', 'a', { title: 'write docs' });
    this.ready();
  });
  ddp.publish('many', function () {
    for (let i = 0; i < 5000; i++) this.added('many', `d${i}`, { i });
    this.ready();
  });
  return ddp;
}

beforeAll(async () => {
  server = sampleServer();
  port = (await server.listen(0, '127.0.0.1')).port;
  refusedPort = await freePort();
});

afterAll(async () => {
  await server.close();
});

describe('why a connection could not be made', () => {
  it('SockJS against a closed port: connection refused, not a close code', async () => {
    const run = await runCli(['call', `127.0.0.1:${refusedPort}`, 'range', '1', '-t', 'sockjs']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `cannot connect to http://127.0.0.1:${refusedPort}/sockjs over sockjs: connection refused`,
    );
    expect(run.stderr).not.toContain('1002');
  });

  it('a wrong path: the HTTP status and the path ddpx expects (WebSocket and SockJS)', async () => {
    const ws = await runCli(['call', `ws://127.0.0.1:${port}/nope/`, 'range', '1']);
    expect(ws.code).toBe(3);
    expect(ws.stderr).toMatch(/answered HTTP 4\d\d instead of a WebSocket .*expects …\/websocket/);
    const sockjs = await runCli(['call', `http://127.0.0.1:${port}/nope/`, 'range', '1', '-t', 'sockjs']);
    expect(sockjs.code).toBe(3);
    expect(sockjs.stderr).toMatch(/answered HTTP 404: no SockJS endpoint at this path/);
  });

  it('a server that hangs up during the WebSocket handshake: not mistaken for a dropped session', async () => {
    const hangUp = createHttpServer();
    hangUp.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((r) => hangUp.listen(0, '127.0.0.1', r));
    const run = await runCli(['call', `127.0.0.1:${(hangUp.address() as AddressInfo).port}`, 'range', '1']);
    await new Promise<void>((r) => hangUp.close(() => r()));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('the server closed the connection during the WebSocket handshake');
    expect(run.stderr).not.toContain('connection reset by the server');
  });

  it('ddp+sockjs:// is SockJS over TLS, and says so', async () => {
    const run = await runCli(['call', `ddp+sockjs://127.0.0.1:${port}/sockjs`, 'range', '1']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`https://127.0.0.1:${port}/sockjs over sockjs, TLS: TLS handshake failed`);
    expect(run.stderr).toContain('ddpi+sockjs://');
    const plain = await runCli(['call', `ddpi+sockjs://127.0.0.1:${port}/sockjs`, 'range', '2']);
    expect(plain).toMatchObject({ code: 0, stdout: '[\n  0,\n  1\n]\n' });
  });
});

describe('sub across a server restart', () => {
  it('prints a session line before the server sends every document again', async () => {
    const restartPort = await freePort();
    let first: DDPServer | undefined = sampleServer();
    await first.listen(restartPort, '127.0.0.1');
    let second: DDPServer | undefined;
    const run = await runCli(['sub', `127.0.0.1:${restartPort}`, 'tasks'], {
      timeoutMs: 40_000,
      interruptWhen: /new session[^\n]*\n[^\n]*\n[^\n]*ready/,
      onStdout: (stdout) => {
        if (first && stdout.includes('ready')) {
          const closing = first;
          first = undefined;
          void closing.close().then(async () => {
            second = sampleServer();
            await second.listen(restartPort, '127.0.0.1');
          });
        }
      },
    });
    await second?.close();
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('added    tasks/a {"title":"write docs"}');
    expect(lines[1]).toBe('ready    tasks');
    expect(lines[2]).toMatch(/^session {2}\w{17} is a new session \(unknown-session\): the server sends/);
    expect(lines.slice(3)).toEqual(['added    tasks/a {"title":"write docs"}', 'ready    tasks']);
  });
});

describe('piped into head', () => {
  it('sub stops quietly with exit 0 when head has read enough (no EPIPE crash)', async () => {
    const run = await runPipedIntoHead(FROM_SOURCES, ['sub', `127.0.0.1:${port}`, 'many'], 2);
    expect(run.stdout).toBe('added    many/d0 {"i":0}\nadded    many/d1 {"i":1}\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('call prints a long result into head and exits 0', async () => {
    const run = await runPipedIntoHead(FROM_SOURCES, ['call', `127.0.0.1:${port}`, 'range', '100000'], 3);
    expect(run.stdout).toBe('[\n  0,\n  1,\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
