// A worker of the rolling restart: real @ddpx/client connections through the proxy, each holding a
// subscription and calling a counting method in a loop (a pause between calls), noting every loss of
// its server process and when it was back: connected again, and the subscription's document coming
// from another process.
import { type Connection, connect } from '@ddpx/client';
import { serve, sleep } from '../ipc.js';
import type { Recovery, RollingClientReport } from '../rollingTypes.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as { url: string; worker: number; thinkMs: number };

interface Client {
  conn: Connection;
  index: number;
  firstSession: string;
  /** Every handshake after the first resumed the same session. */
  alwaysResumed: boolean;
  /** When the connection was lost (0: not lost now), and the process its document came from then. */
  lostAt: number;
  lostNode: string | undefined;
  seq: number;
}

const clients: Client[] = [];
const recoveries: Recovery[] = [];
const called: string[] = [];
const resolved: string[] = [];
let rejected = 0;
let running = false;
const loops: Promise<void>[] = [];
const quiet = { warn: () => {}, error: () => {} };

const node = (c: Client) =>
  (c.conn.collection('items').findOne('server') as { node?: string } | undefined)?.node;

function checkRecovered(c: Client): void {
  if (c.lostAt === 0 || !c.conn.status().connected) return;
  const handshake = c.conn.lastResume;
  if (!handshake || handshake.at < c.lostAt) return;
  const now = node(c);
  if (now === undefined || now === c.lostNode) return;
  const sameSession = handshake.outcome === 'resumed' && c.conn.sessionId === c.firstSession;
  if (!sameSession) c.alwaysResumed = false;
  recoveries.push({ lostAt: c.lostAt, at: Date.now(), sameSession });
  c.lostAt = 0;
}

async function open(index: number): Promise<Client> {
  const conn = connect(cfg.url, { logger: quiet });
  await conn.subscribe('items').whenReady();
  const c: Client = {
    conn,
    index,
    firstSession: conn.sessionId ?? '',
    alwaysResumed: true,
    lostAt: 0,
    lostNode: undefined,
    seq: 0,
  };
  conn.onStatus((s) => {
    if (!s.connected && c.lostAt === 0) {
      c.lostAt = Date.now();
      c.lostNode = node(c);
    }
    queueMicrotask(() => checkRecovered(c));
  });
  conn.collection('items').onChange(() => checkRecovered(c));
  conn.onResume(() => queueMicrotask(() => checkRecovered(c)));
  return c;
}

async function loop(c: Client): Promise<void> {
  // Spread the first calls over one pause, so the clients do not call in lockstep.
  await sleep(Math.random() * cfg.thinkMs);
  while (running) {
    const key = `${cfg.worker}:${c.index}:${c.seq++}`;
    called.push(key);
    try {
      await c.conn.call('inc', key);
      resolved.push(key);
    } catch {
      rejected++;
    }
    await sleep(cfg.thinkMs * (0.5 + Math.random()));
  }
}

async function setup(count: number): Promise<number> {
  const opened: Promise<Client>[] = [];
  for (let i = 0; i < count; i++) {
    opened.push(open(clients.length + opened.length));
    if (i % 50 === 49) await sleep(5);
  }
  clients.push(...(await Promise.all(opened)));
  return clients.length;
}

serve(async (cmd, arg) => {
  switch (cmd) {
    case 'setup':
      return setup(arg as number);
    case 'start':
      running = true;
      for (const c of clients) loops.push(loop(c));
      return true;
    case 'progress': {
      for (const c of clients) checkRecovered(c);
      const since = arg as number;
      return {
        down: clients.filter((c) => c.lostAt !== 0).length,
        recoveries: recoveries.filter((r) => r.lostAt >= since),
      };
    }
    case 'stop':
      running = false;
      await Promise.all(loops);
      return true;
    case 'cpu': {
      const cpu = process.cpuUsage();
      return cpu.user + cpu.system;
    }
    case 'report':
      return {
        clients: clients.length,
        sameSession: clients.filter((c) => c.alwaysResumed && c.conn.sessionId === c.firstSession).length,
        called,
        resolved,
        rejected,
      } satisfies RollingClientReport;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});
