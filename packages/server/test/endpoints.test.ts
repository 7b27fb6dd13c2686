import { createServer as createHttpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type Connection, createServer } from '../src/index.js';
import { RawClient, start, stopAll } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await stopAll();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/plain' },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function appServer(): Promise<{ http: Server; port: number }> {
  const http = createHttpServer((req, res) => {
    res.writeHead(req.url === '/hello' ? 200 : 404);
    res.end(req.url === '/hello' ? 'hi' : `app 404 ${req.url}`);
  });
  const other = new WebSocketServer({ noServer: true });
  other.on('connection', (ws) => ws.send('other'));
  http.on('upgrade', (req, socket, head) => {
    if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => other.emit('connection', ws));
  });
  servers.push(http);
  return { http, port: 0 };
}

describe('endpoints', () => {
  it('raw WebSocket at /websocket, /websocket/ and with a query string', async () => {
    const { port } = await start();
    for (const path of ['/websocket', '/websocket/', '/websocket?x=1', '/websocket/?y=2']) {
      const c = await RawClient.connect(`ws://127.0.0.1:${port}${path}`);
      expect(c.session).toBeTypeOf('string');
    }
  });

  it('attached to an app server: its routes, /websockets and its own upgrade handler are undisturbed', async () => {
    const { http } = await appServer();
    const ddp = createServer();
    ddp.attach(http);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    expect(await get(port, '/hello')).toEqual({ status: 200, body: 'hi' });
    expect(await get(port, '/websockets')).toEqual({ status: 404, body: 'app 404 /websockets' });
    const info = await get(port, '/sockjs/info');
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ websocket: true });
    const other = new RawClient(`ws://127.0.0.1:${port}/other`);
    await other.next((m) => m.raw === 'other');
    const c = await RawClient.connect(`ws://127.0.0.1:${port}/websocket`);
    expect(c.session).toBeTypeOf('string');
    await ddp.close();
    // After close the app is back to exactly what it was.
    expect(await get(port, '/sockjs/info')).toEqual({ status: 404, body: 'app 404 /sockjs/info' });
    expect(await get(port, '/hello')).toEqual({ status: 200, body: 'hi' });
  });

  it('endpoints can be moved or switched off', async () => {
    const { port } = await start({ websocketPath: '/ddp', sockjsPrefix: false });
    const c = await RawClient.connect(`ws://127.0.0.1:${port}/ddp`);
    expect(c.session).toBeTypeOf('string');
    const refused = new RawClient(`ws://127.0.0.1:${port}/websocket`);
    await expect(refused.opened).rejects.toThrow();
    expect((await get(port, '/sockjs/info')).status).toBe(404);
  });

  it('SockJS connections get the same header whitelist (no cookie, no authorization) and the socket address', async () => {
    let conn!: Connection;
    const { port } = await start({}, (s) => s.onConnection((c) => (conn = c)));
    const headers = { cookie: 'sid=secret', authorization: 'Basic secret', 'user-agent': 'raw-sockjs' };
    const open = await post(port, '/sockjs/123/abcdef/xhr', '', headers);
    expect(open.body).toBe('o\n');
    const connect = JSON.stringify([JSON.stringify({ msg: 'connect', version: '1', support: ['1'] })]);
    expect((await post(port, '/sockjs/123/abcdef/xhr_send', connect, headers)).status).toBe(204);
    const reply = await post(port, '/sockjs/123/abcdef/xhr', '', headers);
    expect(reply.body).toContain('connected');
    expect(conn.transport).toBe('sockjs');
    expect(conn.clientAddress).toBe('127.0.0.1');
    expect(conn.httpHeaders.cookie).toBeUndefined();
    expect(conn.httpHeaders.authorization).toBeUndefined();
    expect(conn.httpHeaders['user-agent']).toBe('raw-sockjs');
  });
});
