// A server under test, alone in its process: ddpx, raw ws echo or socket.io. Driven over IPC.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { createServer, type ServerOptions } from '@ddpx/server';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { AfterReply, emit, serve } from '../ipc.js';

/** How the parent configures this server. */
interface ServerConfig {
  kind: 'ddpx' | 'ws' | 'socketio';
  port: number;
  /** ddpx only: session resumption on (default options) or off. */
  resume?: boolean;
  /** Listen backlog. @default 511 (Node's default, what `DDPServer.listen()` uses) */
  backlog?: number;
  /** ddpx only: extra server options (for experiments; the benchmarks use the defaults). */
  options?: ServerOptions;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const boot = `${process.pid}-${Date.now()}`;
const counts: Record<string, number> = {};
const sockets = new Set<Socket>();
let accepts = 0;
let sessions = 0;
let resumes = 0;
let http: HttpServer;

function track(server: HttpServer): void {
  server.on('connection', (socket: Socket) => {
    accepts++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

async function start(): Promise<number> {
  if (config.kind === 'ddpx') {
    const server = createServer({ ...(config.resume === false ? { resume: false } : {}), ...config.options });
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
    server.on('connection', () => sessions++);
    server.on('resume', () => resumes++);
    http = createHttpServer();
    track(http);
    server.attach(http);
  } else if (config.kind === 'ws') {
    http = createHttpServer();
    track(http);
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      sessions++;
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  } else {
    http = createHttpServer();
    track(http);
    const io = new SocketIoServer(http, { transports: ['websocket'], serveClient: false });
    io.on('connection', (socket) => {
      sessions++;
      socket.on('echo', (payload: unknown, ack: unknown) => {
        if (typeof ack === 'function') ack(payload);
      });
    });
  }
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, '127.0.0.1', config.backlog ?? 511, () => {
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
    cpuUs: cpu.user + cpu.system,
    sockets: sockets.size,
    accepts,
    sessions,
  };
}

serve((cmd, arg) => {
  switch (cmd) {
    case 'stats':
      return stats();
    case 'cpu': {
      const cpu = process.cpuUsage();
      return cpu.user + cpu.system;
    }
    case 'sample':
      startSampling(typeof arg === 'number' ? arg : 100);
      return true;
    case 'timeline':
      clearInterval(sampler);
      return samples;
    case 'counts':
      return counts;
    case 'drop':
      // Every TCP socket destroyed at once, no close frame: what a network blip looks like to the server.
      for (const socket of sockets) socket.destroy();
      return sockets.size;
    case 'die':
      // The process goes away as in a crash right after this reply; the kernel closes its sockets.
      return new AfterReply(counts, () => process.exit(0));
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});

start().then(
  (port) => emit('listening', { port, at: Date.now() }),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
