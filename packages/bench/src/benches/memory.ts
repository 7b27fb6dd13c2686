import { ensureBuilt, sleep, spawnChild } from '../proc.js';

/** Sizes of the idle-memory benchmark. */
export interface MemorySize {
  /** Connection counts at which the server is measured (ramped up in one server process). */
  counts: readonly number[];
  /** Client worker processes (each holds a share of the connections). */
  workers: number;
  /** Time to let the server settle before each measurement, ms. */
  settleMs: number;
  /** The contenders measured, in this order. @default ['ws', 'ddpx', 'socketio'] */
  contenders?: readonly MemoryRow['contender'][];
}

/** One V8 heap space of the server after GC: committed bytes, live bytes, resident bytes. */
export interface HeapSpace {
  name: string;
  size: number;
  used: number;
  physical: number;
}

/** Server cost of idle connections of one contender at one count. */
export interface MemoryRow {
  contender: 'ws' | 'ddpx' | 'socketio';
  connections: number;
  /** Connections that failed to open (should be 0). */
  failed: number;
  /** Heap used after GC per connection, bytes (above the empty server's). */
  heapPerConn: number;
  /** RSS per connection, bytes (above the empty server's). */
  rssPerConn: number;
  /** Heap used after GC, total bytes. */
  heapUsed: number;
  /** RSS, total bytes. */
  rss: number;
  /** V8's committed heap (every space), total bytes. */
  heapTotal?: number;
  /** Memory of C++ objects bound to JS (`external`) and of ArrayBuffers/Buffers (`arrayBuffers`), total bytes. */
  external?: number;
  arrayBuffers?: number;
  /** The V8 heap spaces, at this count and with no connection (`base`). */
  spaces?: HeapSpace[];
  baseSpaces?: HeapSpace[];
}

interface ServerStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  sockets: number;
  spaces: HeapSpace[];
}

/** Memory per idle connection: each server alone in its process, clients in worker processes. */
export async function runMemory(size: MemorySize): Promise<MemoryRow[]> {
  await ensureBuilt();
  const rows: MemoryRow[] = [];
  for (const contender of size.contenders ?? (['ws', 'ddpx', 'socketio'] as const)) {
    const server = spawnChild('server', [JSON.stringify({ kind: contender, port: 0 })]);
    const workers: ReturnType<typeof spawnChild>[] = [];
    try {
      const { port } = await server.nextEvent<{ port: number }>('listening');
      await sleep(size.settleMs);
      const base = await server.request<ServerStats>('stats');
      for (let w = 0; w < size.workers; w++) {
        workers.push(spawnChild('idleClients', [JSON.stringify({ kind: contender, port })]));
      }
      for (const count of size.counts) {
        const share = Math.ceil(count / size.workers);
        const opened = await Promise.all(
          workers.map((w, i) =>
            w.request<{ open: number; failed: number }>('open', Math.min(share, count - i * share), 300_000),
          ),
        );
        await sleep(size.settleMs);
        const s = await server.request<ServerStats>('stats');
        const open = opened.reduce((t, o) => t + o.open, 0);
        rows.push({
          contender,
          connections: open,
          failed: opened.reduce((t, o) => t + o.failed, 0),
          heapPerConn: (s.heapUsed - base.heapUsed) / Math.max(1, open),
          rssPerConn: (s.rss - base.rss) / Math.max(1, open),
          heapUsed: s.heapUsed,
          rss: s.rss,
          heapTotal: s.heapTotal,
          external: s.external,
          arrayBuffers: s.arrayBuffers,
          spaces: s.spaces,
          baseSpaces: base.spaces,
        });
      }
    } finally {
      await Promise.all([...workers.map((w) => w.kill()), server.kill()]);
    }
  }
  return rows;
}
