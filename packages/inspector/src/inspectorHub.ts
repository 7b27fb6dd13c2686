import type { WebSocket } from 'ws';
import { InspectorModel } from './model.js';
import { parseWireMessage, type WireMessage } from './wire.js';

/** A producer as pages see it. */
export interface ProducerInfo {
  readonly id: string;
  /** The `name` query parameter of its URL, else `producer N`. */
  readonly name: string;
  readonly address: string | undefined;
  live: boolean;
}

/** What the inspector's server sends a page (JSON, one per frame). */
export type PageMessage =
  | {
      type: 'replay';
      producers: ProducerInfo[];
      items: Array<{ producer: string; message: WireMessage; at: number }>;
    }
  | { type: 'producer'; producer: ProducerInfo }
  | { type: 'msg'; producer: string; at: number; message: WireMessage };

/** What a page sends the inspector's server. */
export type PageRequest = { type: 'focus'; producer: string; serverId: string; sessionId: string | null };

const OPEN = 1;
/** A page whose socket holds more than this much unsent is skipped until it catches up (then reloads). */
const PAGE_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * The inspector's switchboard: producers' messages go into one {@link InspectorModel} and out to every
 * open page; a page that opens is first sent the model's replay; a page's focus request goes to the
 * server that owns the session.
 */
export class InspectorHub {
  /** The state a newly opened page starts from. */
  readonly model = new InspectorModel();
  private readonly producers = new Map<string, { socket: WebSocket; info: ProducerInfo }>();
  private readonly pages = new Set<WebSocket>();
  private nextProducer = 0;
  /** Frames received that were not inspection messages (ignored). */
  ignored = 0;

  /** Serves one producer socket (a ddpx client or server, or `@statelyai/inspect`'s WebSocket inspector). */
  addProducer(socket: WebSocket, name: string | null, address: string | undefined): void {
    const id = `p${++this.nextProducer}`;
    const info: ProducerInfo = { id, name: name || `producer ${this.nextProducer}`, address, live: true };
    this.producers.set(id, { socket, info });
    this.broadcast({ type: 'producer', producer: info });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = parseWireMessage(data.toString());
      if (!message) {
        this.ignored++;
        return;
      }
      const at = Date.now();
      try {
        this.model.apply(id, message, at);
      } catch {
        // a malformed message (a session summary that is not an object, ...) from a buggy sender
        this.ignored++;
        return;
      }
      this.broadcast({ type: 'msg', producer: id, at, message });
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      info.live = false;
      this.model.producerGone(id);
      this.broadcast({ type: 'producer', producer: info });
    });
  }

  /** Serves one page socket: the replay first, then every message live. */
  addPage(socket: WebSocket): void {
    this.pages.add(socket);
    const producers = [...this.producers.values()].map((p) => p.info);
    socket.send(
      JSON.stringify({ type: 'replay', producers, items: this.model.replay() } satisfies PageMessage),
    );
    socket.on('message', (data) => this.request(data.toString()));
    socket.on('error', () => {});
    socket.on('close', () => this.pages.delete(socket));
  }

  /** Number of producers connected now. */
  get producerCount(): number {
    let n = 0;
    for (const p of this.producers.values()) if (p.info.live) n++;
    return n;
  }

  /** Closes every socket. */
  close(): void {
    for (const p of this.producers.values()) p.socket.terminate();
    for (const page of this.pages) page.terminate();
    this.pages.clear();
  }

  private request(text: string): void {
    let req: PageRequest;
    try {
      req = JSON.parse(text) as PageRequest;
    } catch {
      return;
    }
    if (req?.type !== 'focus') return;
    const producer = this.producers.get(req.producer);
    if (!producer || producer.socket.readyState !== OPEN) return;
    producer.socket.send(
      JSON.stringify({ type: '@ddpx.focus', serverId: req.serverId, sessionId: req.sessionId }),
    );
  }

  private broadcast(message: PageMessage): void {
    if (this.pages.size === 0) return;
    const text = JSON.stringify(message);
    for (const page of this.pages) {
      if (page.readyState === OPEN && page.bufferedAmount < PAGE_BACKLOG_BYTES) page.send(text);
    }
  }
}
