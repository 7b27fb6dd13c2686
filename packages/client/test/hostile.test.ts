import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Connection, type ConnectOptions, connect } from '../src/index.js';
import { recordingLogger } from './helpers.js';

// Hostile servers over real loopback sockets (issue #11): each one tries to make the client hold
// something without bound or hang forever; the client's named limits stop it.

const servers: WebSocketServer[] = [];
const conns: Connection[] = [];
const https: HttpServer[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    for (const ws of s.clients) ws.terminate();
    await new Promise((r) => s.close(r));
  }
  for (const h of https.splice(0)) {
    h.closeAllConnections();
    await new Promise((r) => h.close(r));
  }
});

/** A ws server on 127.0.0.1:0 that hands every accepted socket to `onSocket`. */
async function hostile(onSocket: (ws: WebSocket) => void): Promise<{ url: string; sockets: WebSocket[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/websocket' });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('error', () => {});
    onSocket(ws);
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/websocket`, sockets };
}

function client(url: string, options: ConnectOptions = {}) {
  const c = connect(url, { backoff: () => 50, logger: recordingLogger(), ...options });
  conns.push(c);
  return c;
}

const answerConnect = (ws: WebSocket, session = 'S1') =>
  ws.on('message', (data) => {
    if (JSON.parse(String(data)).msg === 'connect') ws.send(JSON.stringify({ msg: 'connected', session }));
  });

describe('hostile servers', () => {
  it('a server that opens the socket but never answers connect is abandoned after connectTimeoutMs and retried', async () => {
    const { url, sockets } = await hostile(() => {}); // silent
    const c = client(url, { connectTimeoutMs: 300 });
    await until(() => c.status().status === 'connected'); // the transport opened
    await until(() => c.status().status === 'waiting', 2000);
    expect(c.actor.getSnapshot().context.lastLoss).toEqual({ code: 'DDP_CONNECT_TIMEOUT' });
    await until(() => sockets.length >= 2, 2000); // it tried again
    expect(sockets[0]!.readyState).toBeGreaterThanOrEqual(2); // the abandoned socket was closed
  });

  it('pings whose pongs it never reads: past maxBufferedBytes the client stops answering them', async () => {
    const limit = 512 * 1024;
    let sent = 0;
    const { url } = await hostile((ws) => {
      answerConnect(ws);
      ws.once('message', () => {
        (ws as unknown as { _socket: { pause(): void } })._socket.pause(); // never read again
        const id = 'x'.repeat(16 * 1024);
        const flood = () => {
          if (ws.readyState !== 1 || sent > 4000) return;
          for (let i = 0; i < 50; i++, sent++) ws.send(JSON.stringify({ msg: 'ping', id }));
          setImmediate(flood);
        };
        flood();
      });
    });
    const c = client(url, { maxBufferedBytes: limit, heartbeatInterval: 0 });
    await until(() => sent > 4000, 10_000);
    await until(() => c.stats().framesReceived > 1000, 10_000);
    // Every ping arrived; only the first ones were answered (the kernel's buffers and `limit` bytes of
    // pongs), the rest were counted and dropped: the client holds no more than `limit` for them.
    const { framesSent, badInput } = c.stats();
    expect(badInput['unanswered-ping']).toBeGreaterThan(500);
    expect(framesSent).toBeLessThan(1000);
    expect(c.status().status).toBe('connected'); // the app's connection itself is untouched
  });

  it('a frame above maxPayloadBytes closes the socket (1009) before it is buffered; the client reconnects', async () => {
    let connections = 0;
    const { url } = await hostile((ws) => {
      connections++;
      answerConnect(ws, `S${connections}`);
      if (connections === 1)
        ws.once('message', () => ws.send(JSON.stringify({ msg: 'ping', id: 'x'.repeat(2 * 1024 * 1024) })));
    });
    const c = client(url, { maxPayloadBytes: 1024 * 1024 });
    await until(() => connections >= 2, 3000);
    // `ws` refuses the frame while reading it (its error comes before the 1009 close).
    const loss = c.actor.getSnapshot().context.lastLoss as { error?: { code?: string } };
    expect(loss.error?.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  });

  it('a flood of bad frames is counted in full and logged at most once per kind', async () => {
    const { url } = await hostile((ws) => {
      answerConnect(ws);
      ws.once('message', () => {
        for (let i = 0; i < 5000; i++) ws.send('not json');
        for (let i = 0; i < 5000; i++) ws.send(JSON.stringify({ msg: 'bogus' }));
      });
    });
    const logger = recordingLogger();
    const c = client(url, { logger });
    await until(() => (c.stats().badInput['unknown-msg'] ?? 0) === 5000, 5000);
    expect(c.stats().badInput['invalid-json']).toBe(5000);
    expect(logger.warnings).toHaveLength(2);
    expect(c.status().status).toBe('connected');
  });

  it('over SockJS too: a server that floods pings and never reads cannot make the client hold their pongs', async () => {
    // A hostile server speaking SockJS's framing ('o', 'a[...]') over its websocket transport.
    const http = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ websocket: true, origins: ['*:*'], cookie_needed: false, entropy: 1 }));
    });
    https.push(http);
    const wss = new WebSocketServer({ server: http });
    servers.push(wss);
    let sent = 0;
    let serverSocket: WebSocket | undefined;
    wss.on('connection', (ws) => {
      serverSocket = ws;
      ws.on('error', () => {});
      ws.send('o');
      ws.once('message', () => {
        ws.send(`a${JSON.stringify([JSON.stringify({ msg: 'connected', session: 'S1' })])}`);
        (ws as unknown as { _socket: { pause(): void } })._socket.pause();
        const frame = `a${JSON.stringify(Array.from({ length: 20 }, () => JSON.stringify({ msg: 'ping', id: 'y'.repeat(8192) })))}`;
        const flood = () => {
          if (ws.readyState !== 1 || sent++ > 400) return;
          ws.send(frame);
          setImmediate(flood);
        };
        flood();
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    const c = client(`http://127.0.0.1:${port}`, {
      transport: 'sockjs',
      sockjsOptions: { transports: ['websocket'] },
      maxBufferedBytes: 256 * 1024,
      heartbeatInterval: 0,
    });
    await until(() => sent > 400, 8000);
    await new Promise((r) => setTimeout(r, 100));
    // Either the client stopped answering at the limit, or (faye in Node) it stopped reading a server
    // that does not read, so the flood backs up on the server's side, not the client's.
    const unanswered = c.stats().badInput['unanswered-ping'] ?? 0;
    if (unanswered === 0) expect(serverSocket!.bufferedAmount).toBeGreaterThan(256 * 1024);
    else expect(c.stats().framesSent).toBeLessThan(2000);
  });
});
