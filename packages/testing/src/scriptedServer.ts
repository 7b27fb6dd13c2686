import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Frame } from './rawClient.js';

/** What a scripted server receives as a method call. */
export interface ScriptedMethod {
  /** The method name. */
  method: string;
  /** Its parameters. */
  params: unknown[];
  /** The call id. */
  id: string;
}

/** What a scripted server receives as a subscription. */
export interface ScriptedSub {
  /** The publication name. */
  name: string;
  /** Its parameters. */
  params: unknown[];
  /** The subscription id. */
  id: string;
}

/** Options of {@link ScriptedServer}. */
export interface ScriptedServerOptions {
  /** Answer `ping` with `pong`. @default true */
  answerPings?: boolean;
  /** Versions accepted in `connect`; another version gets `failed { version: versions[0] }` and a close. @default ['1'] */
  versions?: string[];
  /**
   * Answers a method: return its result, or `undefined` to leave it unanswered.
   * @default echoes `params[0]`
   */
  onMethod?: (msg: ScriptedMethod, socket: WebSocket) => unknown;
  /**
   * Answers a subscription: it sends whatever frames it likes on `socket` (or none).
   * @default sends `added { collection: 'items', id: 'doc-<subId>', fields: { name } }` then `ready`
   */
  onSub?: (msg: ScriptedSub, socket: WebSocket) => void;
}

/**
 * A DDP server whose every answer is scripted, over a real WebSocket on 127.0.0.1: it accepts
 * `connect` (session ids `session-1`, `session-2`, …), answers pings, methods and subscriptions as
 * told, and records every frame and upgrade request, for testing a DDP client.
 */
export class ScriptedServer {
  /** The listening `ws` server (undefined until `start()`). */
  wss: WebSocketServer | undefined;
  /** The port it listens on (0 until `start()`). */
  port = 0;
  /** Every frame received from any client, in order. */
  readonly frames: Frame[] = [];
  /** Every socket accepted, in order. */
  readonly sockets: WebSocket[] = [];
  /** The HTTP headers of every upgrade request, in order. */
  readonly handshakeHeaders: IncomingHttpHeaders[] = [];
  private nextSession = 1;

  /** Creates a scripted server; nothing listens until `start()`. */
  constructor(private readonly options: ScriptedServerOptions = {}) {}

  /** Listens on 127.0.0.1 (`port` 0 picks a free one). */
  async start(port = 0): Promise<this> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    this.wss = wss;
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    this.port = (wss.address() as AddressInfo).port;
    wss.on('connection', (socket, req) => {
      this.sockets.push(socket);
      this.handshakeHeaders.push(req.headers);
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        let msg: Frame;
        try {
          msg = JSON.parse(String(data)) as Frame;
        } catch {
          msg = { raw: String(data) };
        }
        this.frames.push(msg);
        this.handle(socket, msg);
      });
    });
    return this;
  }

  /** `ws://127.0.0.1:<port>/websocket`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/websocket`;
  }

  /** Sends `frame` to every open socket. */
  broadcast(frame: Frame): void {
    for (const socket of this.wss?.clients ?? []) socket.send(JSON.stringify(frame));
  }

  private handle(socket: WebSocket, msg: Frame): void {
    const send = (m: Frame) => socket.send(JSON.stringify(m));
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
        const call = msg as unknown as ScriptedMethod;
        const result = this.options.onMethod ? this.options.onMethod(call, socket) : call.params[0];
        if (result === undefined) return;
        send({ msg: 'result', id: call.id, result });
        send({ msg: 'updated', methods: [call.id] });
        return;
      }
      case 'sub': {
        const sub = msg as unknown as ScriptedSub;
        if (this.options.onSub) {
          this.options.onSub(sub, socket);
          return;
        }
        send({ msg: 'added', collection: 'items', id: `doc-${sub.id}`, fields: { name: sub.name } });
        send({ msg: 'ready', subs: [sub.id] });
        return;
      }
    }
  }

  /** Cuts every open socket abruptly (no close frame). */
  kill(): void {
    for (const socket of this.wss?.clients ?? []) socket.terminate();
  }

  /** Cuts every socket and stops listening. */
  async stop(): Promise<void> {
    const wss = this.wss;
    if (!wss) return;
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}
