import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

/** Which way a chunk travels: `up` is client → server, `down` is server → client. */
export type Direction = 'up' | 'down';

/**
 * Decides whether a chunk triggers a cut. Returns how many bytes of this chunk still get through
 * before every connection is cut (0: none of it), or undefined to let the chunk pass. `text` is the
 * chunk decoded as latin1, so text offsets are byte offsets (server → client WebSocket frames are
 * unmasked, so their JSON is readable here).
 */
export type CutMatcher = (text: string, direction: Direction) => number | undefined;

/** Where a proxy forwards new connections: a TCP port on `host`. */
export interface ProxyTarget {
  /** The target's TCP port. */
  port: number;
  /** The target's host. @default '127.0.0.1' */
  host?: string;
}

/** Options of {@link FaultProxy.retarget}. */
export interface RetargetOptions {
  /** Also cut the connections open now (as `cut()` does), so clients reconnect to the new target. @default false */
  cut?: boolean;
}

/** A loopback TCP proxy that can cut, pause, delay and refuse the traffic it forwards, and be re-pointed. */
export interface FaultProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `ws://127.0.0.1:<port>/websocket`. */
  readonly wsUrl: string;
  /** TCP connections accepted so far (refused ones included). */
  readonly accepted: number;
  /** Client/server socket pairs open now. */
  readonly open: number;
  /** Cuts done so far (by `cut()`, a matcher or `retarget(…, { cut: true })`). */
  readonly cuts: number;
  /** Where new connections go; assigning it is `retarget(target)`. */
  target: ProxyTarget;
  /**
   * Sends new connections to `target` (a port on 127.0.0.1, or `{ host, port }`) from now on, e.g. to
   * move clients from one server process to another; open connections stay on the old target unless
   * `options.cut` is set.
   */
  retarget(target: number | ProxyTarget, options?: RetargetOptions): void;
  /** Destroys every open pair abruptly (TCP reset, no WebSocket close frame); data still queued is lost. */
  cut(): void;
  /** Stops forwarding in both directions; chunks are buffered until `resume()` (or lost on `cut()`). */
  pause(): void;
  /** Restarts forwarding; buffered chunks go out in order. */
  resume(): void;
  /** Adds `ms` of latency to every chunk from now on (order is kept); 0 removes it. */
  delay(ms: number): void;
  /** While true, new TCP connections are reset at once. */
  refuse(on: boolean): void;
  /** Arms a one-shot matcher: the first chunk it matches cuts every connection. */
  cutOn(matcher: CutMatcher): Promise<void>;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

interface Pending {
  chunk: Buffer | null; // null: the sender ended (half-close)
  due: number;
}

class Pipe {
  readonly queue: Pending[] = [];
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly from: Socket,
    readonly to: Socket,
    readonly direction: Direction,
  ) {}
}

class Pair {
  readonly up: Pipe;
  readonly down: Pipe;
  constructor(
    readonly client: Socket,
    readonly server: Socket,
  ) {
    this.up = new Pipe(client, server, 'up');
    this.down = new Pipe(server, client, 'down');
  }
}

function toTarget(target: number | ProxyTarget): ProxyTarget {
  const t = typeof target === 'number' ? { port: target } : { ...target };
  if (!Number.isInteger(t.port) || t.port <= 0 || t.port > 65535)
    throw new RangeError(`proxy target port must be an integer in 1..65535, got ${String(t.port)}`);
  return t;
}

function kill(socket: Socket): void {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function' && !socket.connecting) socket.resetAndDestroy();
  else socket.destroy();
}

/** Starts a fault-injecting TCP proxy on 127.0.0.1 port 0 in front of `target` (a port on 127.0.0.1, or `{ host, port }`). */
export async function startFaultProxy(target: number | ProxyTarget): Promise<FaultProxy> {
  let current = toTarget(target);
  const pairs = new Set<Pair>();
  let paused = false;
  let latency = 0;
  let refusing = false;
  let accepted = 0;
  let cuts = 0;
  let matcher: { match: CutMatcher; done: () => void } | undefined;

  const pump = (pipe: Pipe): void => {
    clearTimeout(pipe.timer);
    pipe.timer = undefined;
    if (paused) return;
    const now = Date.now();
    while (pipe.queue.length > 0) {
      const next = pipe.queue[0]!;
      if (next.due > now) {
        pipe.timer = setTimeout(() => pump(pipe), next.due - now);
        return;
      }
      pipe.queue.shift();
      if (pipe.to.destroyed) continue;
      if (next.chunk === null) pipe.to.end();
      else pipe.to.write(next.chunk);
    }
  };

  // `last`: bytes still handed to one side before its socket ends (ended with a FIN, not a reset, so the
  // peer reads them before it sees the connection die).
  const cutAll = (last?: { pipe: Pipe; bytes: Buffer }): void => {
    cuts++;
    const doomed = [...pairs];
    pairs.clear();
    for (const pair of doomed) {
      for (const pipe of [pair.up, pair.down]) {
        clearTimeout(pipe.timer);
        pipe.queue.length = 0;
      }
      for (const socket of [pair.client, pair.server]) {
        if (last && socket === last.pipe.to && !socket.destroyed) {
          socket.write(last.bytes, () => socket.destroy());
        } else kill(socket);
      }
    }
  };

  const forward = (pair: Pair, pipe: Pipe, chunk: Buffer): void => {
    if (!pairs.has(pair)) return;
    if (matcher) {
      const pass = matcher.match(chunk.toString('latin1'), pipe.direction);
      if (pass !== undefined) {
        const { done } = matcher;
        matcher = undefined;
        // Whatever is queued ahead of this chunk is lost too: bytes in flight die with the link.
        const passes = pass > 0 && !paused && pipe.queue.length === 0;
        cutAll(passes ? { pipe, bytes: chunk.subarray(0, pass) } : undefined);
        done();
        return;
      }
    }
    pipe.queue.push({ chunk, due: Date.now() + latency });
    if (pipe.queue.length === 1) pump(pipe);
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    client.on('error', () => {});
    if (refusing) {
      kill(client);
      return;
    }
    const upstream = netConnect({
      port: current.port,
      host: current.host ?? '127.0.0.1',
      allowHalfOpen: true,
    });
    upstream.on('error', () => {});
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const pair = new Pair(client, upstream);
    pairs.add(pair);
    for (const pipe of [pair.up, pair.down]) {
      pipe.from.on('data', (chunk: Buffer) => forward(pair, pipe, chunk));
      pipe.from.on('end', () => {
        if (!pairs.has(pair)) return;
        pipe.queue.push({ chunk: null, due: Date.now() + latency });
        if (pipe.queue.length === 1) pump(pipe);
      });
      pipe.from.on('close', () => {
        // One side is gone: once its queued data is out, the other side goes too.
        if (!pairs.has(pair)) return;
        const flushAndClose = (): void => {
          if (pipe.queue.length > 0 && !pipe.to.destroyed && pairs.has(pair)) {
            setTimeout(flushAndClose, 1);
            return;
          }
          pairs.delete(pair);
          pipe.to.destroy();
        };
        flushAndClose();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const retarget = (next: number | ProxyTarget, options: RetargetOptions = {}): void => {
    current = toTarget(next);
    if (options.cut) cutAll();
  };

  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/websocket`,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    get cuts() {
      return cuts;
    },
    get target() {
      return { ...current };
    },
    set target(next: ProxyTarget) {
      retarget(next);
    },
    retarget,
    cut: () => cutAll(),
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      for (const pair of pairs) {
        pump(pair.up);
        pump(pair.down);
      }
    },
    delay: (ms) => {
      latency = Math.max(0, ms);
    },
    refuse: (on) => {
      refusing = on;
    },
    cutOn: (match) =>
      new Promise<void>((resolve) => {
        matcher = { match, done: resolve };
      }),
    close: async () => {
      matcher = undefined;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
