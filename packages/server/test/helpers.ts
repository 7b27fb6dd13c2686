import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createServer, type DDPServer, type ServerOptions } from '../src/index.js';

/** A started server on 127.0.0.1:0 with its base URLs; closed by `stopAll()`. */
export interface Running {
  server: DDPServer;
  port: number;
  wsUrl: string;
  httpUrl: string;
}

const running: DDPServer[] = [];
const clients: RawClient[] = [];

/** Starts a server on a free loopback port. */
export async function start(options?: ServerOptions, setup?: (server: DDPServer) => void): Promise<Running> {
  const server = createServer(options);
  server.on('error', () => {});
  setup?.(server);
  const addr: AddressInfo = await server.listen(0, '127.0.0.1');
  running.push(server);
  return {
    server,
    port: addr.port,
    wsUrl: `ws://127.0.0.1:${addr.port}/websocket`,
    httpUrl: `http://127.0.0.1:${addr.port}`,
  };
}

/** Closes every server and client started by the helpers (call in afterEach). */
export async function stopAll(): Promise<void> {
  for (const c of clients.splice(0)) c.terminate();
  await Promise.all(running.splice(0).map((s) => s.close()));
}

/** A scripted raw DDP client over ws: records every message and waits for the ones it expects. */
export class RawClient {
  readonly messages: Record<string, unknown>[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, headers ? { headers } : undefined);
    clients.push(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
        this.wake();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(String(data)) as Record<string, unknown>);
      } catch {
        this.messages.push({ raw: String(data) });
      }
      this.wake();
    });
  }

  /** Opens a socket and completes the handshake; resolves with the session id. */
  static async connect(url: string, connect: Record<string, unknown> = {}): Promise<RawClient> {
    const c = new RawClient(url);
    await c.opened;
    c.send({ msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'], ...connect });
    await c.next((m) => m.msg === 'connected' || m.msg === 'failed');
    return c;
  }

  get session(): string | undefined {
    return this.messages.find((m) => m.msg === 'connected')?.session as string | undefined;
  }

  /** The secret resume token of the last `connected` (a ddpx extension). */
  get resumeToken(): string | undefined {
    const connected = this.messages.filter((m) => m.msg === 'connected');
    return connected[connected.length - 1]?.resumeToken as string | undefined;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the first recorded message (from index `from`) matching `predicate`. */
  async next(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs = 3000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closeCode !== undefined)
        throw new Error(
          `socket closed (${this.closeCode}) while waiting; got ${JSON.stringify(this.messages)}`,
        );
      if (Date.now() > deadline) throw new Error(`timed out waiting; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a method call and waits for its result. */
  async call(
    method: string,
    params: unknown[] = [],
    id = String(Math.random()),
  ): Promise<Record<string, unknown>> {
    this.send({ msg: 'method', method, params, id });
    return this.next((m) => m.msg === 'result' && m.id === id);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Cuts the TCP connection without a close frame and waits until the server has seen it (detached). */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
    await delay(20);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
