import { WebSocket } from 'ws';

type Message = Record<string, unknown>;

const open = new Set<RawClient>();

/** Terminates every raw client still open (call in afterEach). */
export function closeRawClients(): void {
  for (const c of open) c.terminate();
  open.clear();
}

/** A scripted client speaking Meteor 3.5's fields over plain `ws`, recording what it receives. */
export class RawClient {
  readonly messages: Message[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;
  private waiters: Array<() => void> = [];

  constructor(url: string) {
    this.ws = new WebSocket(url);
    open.add(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code) => {
        this.closeCode = code;
        open.delete(this);
        resolve(code);
        this.wake();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(String(data)) as Message);
      } catch {
        this.messages.push({ raw: String(data) });
      }
      this.wake();
    });
  }

  /** Opens, sends `connect` (plus `extra`, e.g. session/receivedCount) and `pipelined` frames at once, waits for the answer. */
  static async connect(url: string, extra: Message = {}, pipelined: Message[] = []): Promise<RawClient> {
    const c = new RawClient(url);
    await c.opened;
    c.send({ msg: 'connect', version: '1', support: ['1', 'pre2', 'pre1'], ...extra });
    for (const m of pipelined) c.send(m);
    await c.next((m) => m.msg === 'connected' || m.msg === 'failed');
    return c;
  }

  /** The session of the `connected` this socket received. */
  get session(): string | undefined {
    return this.messages.find((m) => m.msg === 'connected')?.session as string | undefined;
  }

  /** Meteor 3.5's receivedCount over this socket: messages with `msg`, except ping/pong. */
  get receivedCount(): number {
    return this.messages.filter((m) => typeof m.msg === 'string' && m.msg !== 'ping' && m.msg !== 'pong')
      .length;
  }

  send(message: Message): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (from index `from`) matching `predicate`, waiting up to `ms`. */
  async next(predicate: (m: Message) => boolean, ms = 3000, from = 0): Promise<Message> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found) return found;
      if (this.closeCode !== undefined)
        throw new Error(`closed (${this.closeCode}); got ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a method and waits for its `result`. */
  async call(method: string, params: unknown[] = [], id = `r${Math.random()}`): Promise<Message> {
    this.send({ msg: 'method', method, params, id });
    return this.next((m) => m.msg === 'result' && m.id === id);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
