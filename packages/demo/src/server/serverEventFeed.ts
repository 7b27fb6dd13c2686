import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A server-side event as the page shows it, numbered from 1 since the demo started. */
export interface DemoEvent {
  /** 1, 2, 3… */
  seq: number;
  at: number;
  event: string;
  session?: string;
  detail?: string;
}

/** What the page's Server panel shows: `GET /admin/events`, and each message of the stream. */
export interface DemoServerState {
  up: boolean;
  generation: number;
  sessions: number;
  events: DemoEvent[];
}

/**
 * The demo server's lifecycle events, pushed to every page as Server-Sent Events
 * (`GET /admin/events/stream`): the whole state once on connect, then again after every change
 * (changes in one tick are sent once). The streams are kept out of `POST /admin/drop`.
 */
export class ServerEventFeed {
  private readonly events: DemoEvent[] = [];
  private readonly streams = new Set<ServerResponse>();
  private seq = 0;
  private pending = false;

  constructor(
    /** Reads the live part (up, generation, sessions) when a message is sent. */
    private readonly live: () => Omit<DemoServerState, 'events'>,
    /** Events kept. @default 50 */
    private readonly maxEvents = 50,
  ) {}

  /** Adds an event and schedules a push. */
  record(event: Omit<DemoEvent, 'seq' | 'at'>): void {
    this.events.push({ seq: ++this.seq, at: Date.now(), ...event });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    this.changed();
  }

  /** Schedules a push without a new event (a session count changed). */
  changed(): void {
    if (this.pending || this.streams.size === 0) return;
    this.pending = true;
    // After the current tick, so a `close` event's session has left `connections` before it is counted.
    setImmediate(() => {
      this.pending = false;
      const data = `data: ${JSON.stringify(this.state())}\n\n`;
      for (const res of this.streams) res.write(data);
    });
  }

  /** The current state, for `GET /admin/events`. */
  state(): DemoServerState {
    return { ...this.live(), events: [...this.events] };
  }

  /** Answers `GET /admin/events/stream`. */
  stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Reconnect quickly if the stream is cut (the browser's EventSource does it by itself).
    res.write(`retry: 500\ndata: ${JSON.stringify(this.state())}\n\n`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  /** True for the socket of an open event stream. */
  isStreamSocket(socket: Socket): boolean {
    for (const res of this.streams) if (res.socket === socket) return true;
    return false;
  }

  /** Ends every stream. */
  close(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
