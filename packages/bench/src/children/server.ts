// A server under test, alone in its process: ddpx, raw ws echo or socket.io. Driven over IPC.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import {
  type CloseOptions,
  createServer,
  type DDPServer,
  type PublicationContext,
  SERVER_DEFAULTS,
  type ServerOptions,
} from '@ddpx/server';
// socket.io and @ddpx/redis (ioredis) load only when used: a restarted ddpx server listens sooner.
import type { Server as SocketIoServer } from 'socket.io';
import { type WebSocket, WebSocketServer } from 'ws';
import { FANOUT_FIELDS, type FanoutRequest, type FanoutStart } from '../fanoutTypes.js';
import { AfterReply, emit, serve } from '../ipc.js';

/** How the parent configures this server. */
interface ServerConfig {
  kind: 'ddpx' | 'ws' | 'socketio' | 'naive';
  port: number;
  /** ddpx only: session resumption on (default options) or off. */
  resume?: boolean;
  /**
   * Listen backlog. @default 4096 for every contender: what `DDPServer.listen()` uses (`SERVER_DEFAULTS.backlog`;
   * Node's own default, 511, overflows when thousands of clients come back at once)
   */
  backlog?: number;
  /** ddpx only: extra server options (for experiments; the benchmarks use the defaults). */
  options?: ServerOptions;
  /** ddpx only: keep sessions and method claims in this Redis (`@ddpx/redis`) instead of memory. */
  redisUrl?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const boot = `${process.pid}-${Date.now()}`;
const counts: Record<string, number> = {};
const sockets = new Set<Socket>();
let accepts = 0;
let sessions = 0;
let resumes = 0;
let http: HttpServer;
// Fan-out: who hears a change of each topic (ddpx subscriptions, raw sockets); socket.io uses rooms.
const feedSubs = new Map<number, Set<PublicationContext>>();
const feedSockets = new Map<number, Set<WebSocket>>();
let io: SocketIoServer | undefined;
let ddpx: DDPServer | undefined;

function topicOf(url: string | undefined): number | undefined {
  const m = /[?&]topic=(\d+)/.exec(url ?? '');
  return m ? Number(m[1]) : undefined;
}

function member<T>(map: Map<number, Set<T>>, topic: number): Set<T> {
  let set = map.get(topic);
  if (!set) {
    set = new Set();
    map.set(topic, set);
  }
  return set;
}

// One change of every topic, delivered to each topic's subscribers the way each stack does it: a
// ddpx publication's `changed` per subscription (each session's merge box encodes its own frame),
// socket.io's room broadcast (encoded once), and raw ws sending one pre-encoded string to each socket.
function issueChange(v: number): void {
  if (config.kind === 'ddpx') {
    for (const [topic, subs] of feedSubs) {
      const fields = { ...FANOUT_FIELDS, v, topic };
      for (const sub of subs) sub.changed('feed', 'doc', fields);
    }
  } else if (config.kind === 'socketio') {
    for (const room of io!.sockets.adapter.rooms.keys())
      if (room.startsWith('topic-'))
        io!
          .to(room)
          .emit('change', { id: 'doc', fields: { ...FANOUT_FIELDS, v, topic: Number(room.slice(6)) } });
  } else {
    for (const [topic, sockets] of feedSockets) {
      const fields = { ...FANOUT_FIELDS, v, topic };
      const frame = JSON.stringify({ msg: 'changed', collection: 'feed', id: 'doc', fields });
      for (const ws of sockets) ws.send(frame);
    }
  }
}

/** Issues `changes` changes in one synchronous burst or one per event-loop turn; resolves when issued. */
function fanout(req: FanoutRequest): Promise<FanoutStart> {
  const cpu0 = process.cpuUsage();
  const at = performance.timeOrigin + performance.now();
  const done = (): FanoutStart => ({ at, cpuUs: cpuSince(cpu0) });
  if (req.mode === 'burst') {
    for (let i = 1; i <= req.changes; i++) issueChange(req.base + i);
    return Promise.resolve(done());
  }
  return new Promise((resolve) => {
    let i = 0;
    const turn = () => {
      issueChange(req.base + ++i);
      if (i < req.changes) setImmediate(turn);
      else resolve(done());
    };
    turn();
  });
}

function cpuSince(cpu0: NodeJS.CpuUsage): number {
  const cpu = process.cpuUsage(cpu0);
  return cpu.user + cpu.system;
}

function track(server: HttpServer): void {
  server.on('connection', (socket: Socket) => {
    accepts++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

async function start(): Promise<number> {
  if (config.kind === 'ddpx') {
    const server = createServer({
      ...(config.resume === false ? { resume: false } : {}),
      ...(config.redisUrl
        ? { store: (await import('@ddpx/redis')).redisStore({ url: config.redisUrl }) }
        : {}),
      ...config.options,
    });
    server.methods({
      echo: (x) => x,
      inc: (key) => {
        const k = String(key);
        counts[k] = (counts[k] ?? 0) + 1;
        return counts[k];
      },
    });
    server.publish('items', function () {
      this.added('items', 'server', { boot, session: this.connection.id });
      this.ready();
    });
    server.publish('feed', function (topic) {
      const subs = member(feedSubs, Number(topic));
      subs.add(this);
      this.onStop(() => subs.delete(this));
      this.added('feed', 'doc', { ...FANOUT_FIELDS, v: 0, topic: Number(topic) });
      this.ready();
    });
    server.on('connection', () => sessions++);
    server.on('resume', () => resumes++);
    ddpx = server;
    http = createHttpServer();
    track(http);
    server.attach(http);
  } else if (config.kind === 'ws') {
    http = createHttpServer();
    track(http);
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws, req) => {
      sessions++;
      const topic = topicOf(req.url);
      if (topic !== undefined) {
        // A fan-out subscriber: the same DDP handshake a bare DDP server would answer, no parsing after it.
        const sockets = member(feedSockets, topic);
        ws.once('message', () => {
          ws.send('{"msg":"connected","session":"x"}');
          sockets.add(ws);
        });
        ws.on('close', () => sockets.delete(ws));
        return;
      }
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  } else if (config.kind === 'naive') {
    // A minimal DDP server: one JSON.parse per frame, two JSON.stringify per method, each frame sent
    // at once. `echo` (any other name too) answers its first parameter; `inc` counts runs per key (the
    // storm's exactly-once check); a `sub` gets one `added` naming this process and session, then `ready`.
    http = createHttpServer();
    track(http);
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      let session = '';
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as {
          msg: string;
          id?: string;
          method?: string;
          params?: unknown[];
        };
        if (m.msg === 'method') {
          let result = m.params?.[0];
          if (m.method === 'inc') {
            const k = String(result);
            result = counts[k] = (counts[k] ?? 0) + 1;
          }
          ws.send(JSON.stringify({ msg: 'result', id: m.id, result }));
          ws.send(JSON.stringify({ msg: 'updated', methods: [m.id] }));
        } else if (m.msg === 'sub') {
          const fields = { boot, session };
          ws.send(JSON.stringify({ msg: 'added', collection: 'items', id: 'server', fields }));
          ws.send(JSON.stringify({ msg: 'ready', subs: [m.id] }));
        } else if (m.msg === 'connect') {
          session = `${boot}-${++sessions}`;
          ws.send(JSON.stringify({ msg: 'connected', session }));
        } else if (m.msg === 'ping') ws.send('{"msg":"pong"}');
      });
    });
  } else {
    http = createHttpServer();
    track(http);
    const { Server } = await import('socket.io');
    io = new Server(http, { transports: ['websocket'], serveClient: false });
    io.on('connection', (socket) => {
      sessions++;
      const topic = topicOf(socket.request.url);
      if (topic !== undefined) void socket.join(`topic-${topic}`);
      socket.on('echo', (payload: unknown, ack: unknown) => {
        if (typeof ack === 'function') ack(payload);
      });
    });
  }
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, '127.0.0.1', config.backlog ?? SERVER_DEFAULTS.backlog, () => {
      const address = http.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** Periodic samples: CPU used and connections accepted in each interval. */
interface Sample {
  at: number;
  cpuUs: number;
  accepts: number;
  sessions: number;
  resumes: number;
}
let samples: Sample[] = [];
let sampler: NodeJS.Timeout | undefined;

function startSampling(intervalMs: number): void {
  samples = [];
  let last = process.cpuUsage();
  let lastAccepts = accepts;
  let lastSessions = sessions;
  let lastResumes = resumes;
  clearInterval(sampler);
  let lastAt = performance.now();
  sampler = setInterval(() => {
    const cpu = process.cpuUsage(last);
    last = process.cpuUsage();
    const now = performance.now();
    // CPU as µs per 100 ms of wall time, so a late timer does not read as more than one core.
    const scale = 100 / Math.max(1, now - lastAt);
    lastAt = now;
    samples.push({
      at: Date.now(),
      cpuUs: (cpu.user + cpu.system) * scale,
      accepts: accepts - lastAccepts,
      sessions: sessions - lastSessions,
      resumes: resumes - lastResumes,
    });
    lastAccepts = accepts;
    lastSessions = sessions;
    lastResumes = resumes;
  }, intervalMs);
}

function stats() {
  globalThis.gc?.();
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    arrayBuffers: mem.arrayBuffers,
    // Each V8 heap space: committed size vs live bytes (what RSS keeps that the live heap does not).
    spaces: getHeapSpaceStatistics().map((s) => ({
      name: s.space_name,
      size: s.space_size,
      used: s.space_used_size,
      physical: s.physical_space_size,
    })),
    cpuUs: cpu.user + cpu.system,
    sockets: sockets.size,
    accepts,
    sessions,
  };
}

/** Resident bytes per kind of mapping (/proc/self/smaps): where RSS lives outside V8's spaces. */
function smaps(): { kind: string; rss: number; size: number; count: number }[] {
  const out = new Map<string, { kind: string; rss: number; size: number; count: number }>();
  let kind = '';
  let size = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      size = Number.parseInt(head[2]!, 16) - Number.parseInt(head[1]!, 16);
      const name = head[4] ?? '';
      kind = name
        ? name.startsWith('/')
          ? 'file'
          : name
        : `anon ${head[3]} ${size >= 1 << 26 ? '64M+' : size >= 1 << 20 ? '1M+' : size >= 1 << 18 ? '256K+' : 'small'}`;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const e = out.get(kind) ?? { kind, rss: 0, size: 0, count: 0 };
      e.rss += Number(rss[1]) * 1024;
      e.size += size;
      e.count++;
      out.set(kind, e);
    }
  }
  return [...out.values()].sort((a, b) => b.rss - a.rss);
}

serve((cmd, arg) => {
  switch (cmd) {
    case 'stats':
      return stats();
    case 'cpu': {
      const cpu = process.cpuUsage();
      return cpu.user + cpu.system;
    }
    case 'smaps':
      return smaps();
    case 'heapSnapshot':
      // For diagnosis by hand: what the heap holds (e.g. per idle session), written to `arg`.
      globalThis.gc?.();
      return writeHeapSnapshot(arg as string);
    case 'cpuSplit':
      return process.cpuUsage();
    case 'sample':
      startSampling(typeof arg === 'number' ? arg : 100);
      return true;
    case 'timeline':
      clearInterval(sampler);
      return samples;
    case 'counts':
      return counts;
    case 'fanout':
      return fanout(arg as FanoutRequest);
    case 'drop':
      // Every TCP socket destroyed at once, no close frame: what a network blip looks like to the server.
      for (const socket of sockets) socket.destroy();
      return sockets.size;
    case 'drain':
      // A planned restart (what a SIGTERM handler does): ddpx drains with these close options; when that
      // is done the port is freed ('released': the next process may start) and the process exits.
      return ddpx!.close(arg as CloseOptions).then(() => {
        http.close();
        emit('released', { at: Date.now() });
        return new AfterReply(counts, () => process.exit(0));
      });
    case 'die':
      // The process goes away as in a crash right after this reply; the kernel closes its sockets.
      return new AfterReply(counts, () => process.exit(0));
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});

start().then(
  // The CPU used so far (start-up), so a storm counts only what came after the server was back.
  (port) => emit('listening', { port, at: Date.now(), cpuUs: cpuSince({ user: 0, system: 0 }) }),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
