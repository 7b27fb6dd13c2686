import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { InspectorHub } from './inspectorHub.js';

/** Options of {@link startInspector}. */
export interface InspectorOptions {
  /** The port to listen on (0: any free port). @default 4000 */
  port?: number;
  /** The address to bind. Anything but a loopback address requires a token. @default '127.0.0.1' */
  host?: string;
  /**
   * A secret every request must carry as `?token=`. Required (and generated when not given) when
   * `host` is not a loopback address; optional on loopback. @default undefined on loopback
   */
  token?: string;
  /** The built page's directory. @default the package's `dist/page` */
  pageDir?: string;
}

/** A running inspector. */
export interface RunningInspector {
  /** The page's address (with `?token=` when a token is set); producers connect to it as `ws://`. */
  readonly url: string;
  /** What to pass as `inspect` to `connect()` or `createServer()`. */
  readonly inspectUrl: string;
  /** The port it listens on. */
  readonly port: number;
  /** The producers, actors and sessions it holds. */
  readonly hub: InspectorHub;
  /** Closes every socket and stops listening. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Whether `host` is a loopback address (only those may go without a token). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The token an inspector on `host` requires: the given one, a generated one off loopback, else none. */
export function inspectorToken(host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token.length < 8) throw new RangeError('token must be at least 8 characters');
  return token ?? (isLoopback(host) ? undefined : randomBytes(18).toString('base64url'));
}

function defaultPageDir(): string {
  // From src/ (sources) and dist/ (built) alike, the page is built into the package's dist/page.
  return fileURLToPath(new URL('../dist/page', import.meta.url));
}

function tokenMatches(expected: string | undefined, given: string | null): boolean {
  if (expected === undefined) return true;
  if (given === null) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

// The page may talk to its own origin only: nothing it loads or opens can leave the inspector.
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

function servePage(pageDir: string, req: IncomingMessage, res: ServerResponse, path: string): void {
  const rel = path === '/' ? 'index.html' : decodeURIComponent(path.slice(1));
  const file = normalize(join(pageDir, rel));
  if (!file.startsWith(pageDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-security-policy': CSP,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/**
 * Starts the inspector: an HTTP server for the page, and WebSocket endpoints for producers (any path
 * but `/page`: ddpx clients and servers, `@statelyai/inspect`'s `createWebSocketInspector`) and for
 * pages (`/page`). Resolves once it listens.
 */
export async function startInspector(options: InspectorOptions = {}): Promise<RunningInspector> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4000;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be 0..65535, got ${port}`);
  const token = inspectorToken(host, options.token);
  const pageDir = normalize(options.pageDir ?? defaultPageDir());
  if (!existsSync(join(pageDir, 'index.html')))
    throw new Error(`No inspector page in ${pageDir}: run \`pnpm --filter @ddpx/inspector build\``);

  const hub = new InspectorHub();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://inspector');
    const assets = url.pathname.startsWith('/assets/');
    // Assets are public build output; the page itself and every socket need the token.
    if (!assets && !tokenMatches(token, url.searchParams.get('token'))) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('token required');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    servePage(pageDir, req, res, url.pathname);
  });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://inspector');
    if (!tokenMatches(token, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const isPage = url.pathname === '/page';
    // Only the inspector's own page may read what it holds (a WebSocket ignores CORS).
    if (isPage && req.headers.origin !== `http://${req.headers.host}`) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (isPage) hub.addPage(ws);
      else {
        // Unnamed senders are told apart by where they run: a browser page by its origin.
        const origin = req.headers.origin;
        const name = url.searchParams.get('name') ?? (origin ? `page ${origin}` : null);
        hub.addProducer(ws, name, req.socket.remoteAddress);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const bound = (http.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return {
    url: `http://${shownHost}:${bound}/${query}`,
    inspectUrl: `ws://${shownHost}:${bound}/${query}`,
    port: bound,
    hub,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
