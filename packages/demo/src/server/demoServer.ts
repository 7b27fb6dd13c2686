import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer, type DDPServer, type ServerOptions } from '@ddpx/server';
import { DemoStore, defineSampleApp } from './sampleApp.js';
import { type DemoEvent, ServerEventFeed } from './serverEventFeed.js';
import { serveStatic } from './staticFiles.js';

export type { DemoEvent, DemoServerState } from './serverEventFeed.js';

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** Port to listen on (0 picks a free one). @default 3000 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Directory of the built page (`vite build` output). */
  pageDir: string;
  /** How long "restart the server" keeps DDP down before a fresh server takes over. @default 3000 */
  restartDowntimeMs?: number;
  /** Options for each DDP server the demo creates. @default {} */
  ddp?: ServerOptions;
  /** Server-side lifecycle events kept for `GET /admin/events`. @default 50 */
  maxEvents?: number;
}

/** A running demo: its URL and how to stop it. */
export interface DemoServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  /** Stops DDP and the http server. */
  close(): Promise<void>;
}

/**
 * Starts the demo: one http server that serves the built page, the DDP endpoints (`/websocket`,
 * `/sockjs`) and three admin endpoints the page's buttons call:
 * `POST /admin/drop` destroys every DDP socket from the server side without a close frame (the
 * sessions detach and the clients resume), `POST /admin/restart` closes the DDP server, refuses DDP for
 * `restartDowntimeMs`, then starts a fresh one (the clients get new sessions), `GET /admin/events`
 * lists recent server lifecycle events and `GET /admin/events/stream` pushes them as they happen.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const downtimeMs = options.restartDowntimeMs ?? 3000;
  const maxEvents = options.maxEvents ?? 50;
  const store = new DemoStore();
  const feed = new ServerEventFeed(
    () => ({ up: ddp !== undefined, generation, sessions: ddp?.connections.size ?? 0 }),
    maxEvents,
  );
  const record = (event: Omit<DemoEvent, 'seq' | 'at'>) => feed.record(event);
  const http = createHttpServer();
  const sockets = new Set<Socket>();
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let ddp: DDPServer | undefined;
  let generation = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  const startDdp = () => {
    generation++;
    const server = createServer(options.ddp);
    defineSampleApp(server, store);
    const gen = generation;
    server.on('connection', ({ connection }) =>
      record({
        event: 'connection',
        session: connection.id,
        detail: `server #${gen}, ${connection.transport}`,
      }),
    );
    server.on('detach', ({ connection, gracePeriodMs }) =>
      record({
        event: 'detach',
        session: connection.id,
        detail: `grace ${gracePeriodMs} ms`,
      }),
    );
    server.on('resume', ({ connection, replayed }) =>
      record({ event: 'resume', session: connection.id, detail: `${replayed} replayed` }),
    );
    server.on('close', ({ connection, reason }) =>
      record({ event: 'close', session: connection.id, detail: reason }),
    );
    server.attach(http);
    ddp = server;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const admin = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    if (path === '/admin/events' && req.method === 'GET') {
      json(res, 200, feed.state());
      return;
    }
    if (path === '/admin/events/stream' && req.method === 'GET') {
      feed.stream(req, res);
      return;
    }
    if (req.method !== 'POST') {
      json(res, 405, { error: 'use POST' });
      return;
    }
    if (path === '/admin/drop') {
      let dropped = 0;
      for (const socket of sockets) {
        if (socket === req.socket || feed.isStreamSocket(socket)) continue;
        socket.destroy();
        dropped++;
      }
      record({ event: 'drop', detail: `${dropped} sockets destroyed` });
      json(res, 200, { dropped });
      return;
    }
    if (path === '/admin/restart') {
      if (!ddp) {
        json(res, 409, { error: 'already restarting' });
        return;
      }
      const old = ddp;
      ddp = undefined;
      record({ event: 'restart', detail: `DDP down for ${downtimeMs} ms` });
      json(res, 200, { downtimeMs });
      void old.close().then(() => {
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          startDdp();
          record({ event: 'up', detail: `server #${generation}` });
        }, downtimeMs);
      });
      return;
    }
    json(res, 404, { error: 'unknown admin endpoint' });
  };

  // DDP's listeners sit in front of this one (attach), so this sees only what DDP left: the page,
  // the admin endpoints, and DDP requests while the DDP server is down.
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/admin/')) {
      admin(req, res, path);
      return;
    }
    if (path === '/websocket' || path.startsWith('/sockjs')) {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('DDP is restarting\n');
      return;
    }
    if (!serveStatic(options.pageDir, req, res)) json(res, 405, { error: 'method not allowed' });
  });
  http.on('upgrade', (_req, socket: Socket) => {
    // Reached only while DDP is down: refuse like a stopped server would.
    socket.destroy();
  });

  startDdp();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const shownHost =
    address.address === '127.0.0.1' || address.address === '::' ? 'localhost' : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    async close() {
      if (restartTimer) clearTimeout(restartTimer);
      feed.close();
      await ddp?.close();
      ddp = undefined;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
