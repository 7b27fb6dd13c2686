import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A scripted DDP server over real loopback sockets, for integration tests. */
export interface ScriptedOptions {
  /** Answer pings. @default true */
  answerPings?: boolean;
  /** Versions the server accepts; a connect with another version gets `failed{version: first}`. @default ['1'] */
  versions?: string[];
  /** Handle a method: return its result, or `undefined` to leave it unanswered. */
  onMethod?: (msg: { method: string; params: unknown[]; id: string }, socket: WebSocket) => unknown;
}

export class ScriptedServer {
  wss!: WebSocketServer;
  port = 0;
  readonly frames: Record<string, unknown>[] = [];
  readonly sockets: WebSocket[] = [];
  readonly handshakeHeaders: Record<string, string | string[] | undefined>[] = [];
  private nextSession = 1;

  constructor(private readonly options: ScriptedOptions = {}) {}

  async start(port = 0): Promise<this> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => this.wss.once('listening', resolve));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (socket, req) => {
      this.sockets.push(socket);
      this.handshakeHeaders.push(req.headers);
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const msg = JSON.parse(String(data)) as Record<string, unknown>;
        this.frames.push(msg);
        this.handle(socket, msg);
      });
    });
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/websocket`;
  }

  private handle(socket: WebSocket, msg: Record<string, unknown>): void {
    const send = (m: unknown) => socket.send(JSON.stringify(m));
    const versions = this.options.versions ?? ['1'];
    switch (msg.msg) {
      case 'connect':
        if (!versions.includes(msg.version as string)) {
          send({ msg: 'failed', version: versions[0] });
          socket.close();
          return;
        }
        send({ msg: 'connected', session: `session-${this.nextSession++}` });
        return;
      case 'ping':
        if (this.options.answerPings !== false) send({ msg: 'pong', ...(msg.id ? { id: msg.id } : {}) });
        return;
      case 'method': {
        const result = this.options.onMethod
          ? this.options.onMethod(msg as { method: string; params: unknown[]; id: string }, socket)
          : (msg.params as unknown[])[0];
        if (result === undefined) return;
        send({ msg: 'result', id: msg.id, result });
        send({ msg: 'updated', methods: [msg.id] });
        return;
      }
      case 'sub':
        send({ msg: 'added', collection: 'items', id: `doc-${msg.id}`, fields: { name: msg.name } });
        send({ msg: 'ready', subs: [msg.id] });
        return;
    }
  }

  /** Cuts every open socket abruptly (no close frame). */
  kill(): void {
    for (const socket of this.wss.clients) socket.terminate();
  }

  async stop(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Waits until `check()` is true (polling every 5 ms), failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}
