// The server under attack, alone in a child process with a capped heap. It reports what it catches
// (uncaught exceptions, unhandled rejections, the server's own `error` events) to the parent over IPC
// and answers the parent's requests for memory, socket and prototype-pollution readings.
import { createServer as createHttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { createServer, DDPError } from '@ddpx/server';
import type { ChildReply, ChildRequest, ChildSample, FuzzServerConfig } from './childProtocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as FuzzServerConfig;
const send = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};

// Installed first, so nothing the server does can escape unseen.
process.on('uncaughtException', (error) => {
  send({ event: 'uncaughtException', data: describe(error) });
});
process.on('unhandledRejection', (reason) => {
  send({ event: 'unhandledRejection', data: describe(reason) });
});

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? error.message).slice(0, 2000)
    : String(error).slice(0, 2000);
}

// The pristine prototype, to tell pollution from what the runtime already has.
const protoKeys = new Set(Reflect.ownKeys(Object.prototype).map(String));
const arrayProtoKeys = new Set(Reflect.ownKeys(Array.prototype).map(String));

const server = createServer({
  maxPayloadBytes: config.maxPayloadBytes,
  maxBufferedBytes: config.maxBufferedBytes,
  maxSessions: config.maxSessions,
  handshakeTimeoutMs: config.handshakeTimeoutMs,
  resume: { gracePeriodMs: config.gracePeriodMs },
});
let serverErrors = 0;
// By context, so the handlers that fail on purpose (`throws`, `rejects`) can be told from the rest.
const serverErrorsByContext: Record<string, number> = {};
const serverErrorSamples: string[] = [];
server.on('error', (e) => {
  serverErrors++;
  const key = e.context.slice(0, 80);
  if (key in serverErrorsByContext || Object.keys(serverErrorsByContext).length < 50) {
    serverErrorsByContext[key] = (serverErrorsByContext[key] ?? 0) + 1;
  }
  if (!DELIBERATE.has(key) && serverErrorSamples.length < 5) {
    serverErrorSamples.push(`${key}: ${describe(e.error).slice(0, 300)}`);
  }
});
let sessionsOpened = 0;
server.on('connection', () => sessionsOpened++);

/** Error contexts of the handlers below that fail on purpose. */
const DELIBERATE = new Set(["method 'throws'", "publication 'throws'"]);
const counters = new Map<string, number>();
server.methods({
  add: (a, b) => {
    if (typeof a !== 'number' || typeof b !== 'number') throw new DDPError(400, 'numbers expected');
    return a + b;
  },
  echo: (x) => x,
  count: (key) => {
    const k = String(key).slice(0, 64);
    const n = (counters.get(k) ?? 0) + 1;
    if (counters.size < 1000 || counters.has(k)) counters.set(k, n);
    return n;
  },
  slow: (ms) => new Promise((resolve) => setTimeout(() => resolve('late'), Math.min(Number(ms) || 0, 200))),
  throws: () => {
    throw new Error('handler failure');
  },
  rejects: () => Promise.reject(new DDPError('nope', 'rejected on purpose')),
  login(id) {
    return this.setUserId(typeof id === 'string' ? id.slice(0, 64) : null);
  },
  keys: (x) => (x !== null && typeof x === 'object' ? Object.keys(x) : []),
});
server.publish('items', function (n) {
  const count = Math.max(0, Math.min(Number(n) || 0, 20));
  for (let i = 0; i < count; i++) this.added('items', `i${i}`, { i, at: new Date(0) });
  this.ready();
});
server.publish('echo', function (doc) {
  this.added('echoes', 'one', { doc });
  this.ready();
});
server.publish('fails', function () {
  this.error(new DDPError('denied', 'not for you'));
});
server.publish('throws', () => {
  throw new Error('publication failure');
});
server.publish(null, function () {
  this.added('meta', 'server', { version: 1 });
});

const http = createHttpServer();
const sockets = new Set<Socket>();
http.on('connection', (socket: Socket) => {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
});
server.attach(http);

function sample(): ChildSample {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    openSockets: sockets.size,
    sessions: server.connections.size,
    sessionsOpened,
    serverErrors,
    serverErrorsByContext,
    serverErrorSamples,
  };
}

function pollution(): string[] {
  const found: string[] = [];
  for (const key of Reflect.ownKeys(Object.prototype).map(String)) {
    if (!protoKeys.has(key)) found.push(`Object.prototype.${key}`);
  }
  for (const key of Reflect.ownKeys(Array.prototype).map(String)) {
    if (!arrayProtoKeys.has(key)) found.push(`Array.prototype.${key}`);
  }
  const probe: Record<string, unknown> = {};
  for (const key in probe) found.push(`{}.${key} (enumerable)`);
  for (const key of ['polluted', 'isAdmin', 'x', 'toJSON', '$date']) {
    if ((probe as Record<string, unknown>)[key] !== undefined && !protoKeys.has(key)) found.push(`{}.${key}`);
  }
  return [...new Set(found)];
}

process.on('message', (raw) => {
  const req = raw as ChildRequest;
  const reply = (value: unknown): void => send({ id: req.id, value } satisfies ChildReply);
  if (req.cmd === 'sample') reply(sample());
  else if (req.cmd === 'pollution') reply(pollution());
  else if (req.cmd === 'close') {
    void server.close({ drainMs: 0 }).then(() => {
      reply(null);
      setTimeout(() => process.exit(0), 10);
    });
  }
});
process.on('disconnect', () => process.exit(0));

http.listen(0, '127.0.0.1', 4096, () => {
  const address = http.address();
  send({ event: 'listening', data: typeof address === 'object' && address ? address.port : 0 });
});
