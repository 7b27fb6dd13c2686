// A worker holding many real @ddpx/client connections, each with a subscription, for the storm.
import { type Connection, connect } from '@ddpx/client';
import { serve, sleep } from '../ipc.js';
import { type BackoffPolicy, FULL_JITTER, type StormClientReport } from '../stormTypes.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as {
  port: number;
  count: number;
  worker: number;
  backoff: BackoffPolicy;
  resume: boolean;
};

interface Client {
  conn: Connection;
  index: number;
  lostAt: number;
  firstRetryAt: number;
  recoveredAt: number;
  /** Start times of connection attempts that failed. */
  failedAttempts: number[];
  attemptStartedAt: number;
  armed: boolean;
  seq: number;
}

const clients: Client[] = [];
const called: string[] = [];
const resolved: string[] = [];
let rejected = 0;
let since = Number.POSITIVE_INFINITY;
const quiet = { warn: () => {}, error: () => {} };

function call(c: Client, tag: string): Promise<unknown> {
  const key = `${cfg.worker}:${c.index}:${tag}:${c.seq++}`;
  called.push(key);
  return c.conn.call('inc', key).then(
    () => void resolved.push(key),
    () => void rejected++,
  );
}

function serverDoc(c: Client): { session?: string } | undefined {
  return c.conn.collection('items').findOne('server') as { session?: string } | undefined;
}

function checkRecovered(c: Client): void {
  if (!c.armed || c.lostAt === 0 || c.recoveredAt !== 0) return;
  const status = c.conn.status();
  if (!status.connected) return;
  const handshake = c.conn.lastResume;
  if (!handshake || handshake.at < c.lostAt) return; // no `connected` since the loss yet
  const doc = serverDoc(c);
  if (doc && doc.session === c.conn.sessionId) c.recoveredAt = Date.now();
}

function makeClient(index: number): Client {
  const conn = connect(`http://127.0.0.1:${cfg.port}`, {
    resume: cfg.resume,
    logger: quiet,
    ...(cfg.backoff === 'full-jitter' ? { backoff: FULL_JITTER } : {}),
  });
  const c: Client = {
    conn,
    index,
    lostAt: 0,
    firstRetryAt: 0,
    recoveredAt: 0,
    failedAttempts: [],
    attemptStartedAt: 0,
    armed: false,
    seq: 0,
  };
  let previous = conn.status().status;
  conn.onStatus((s) => {
    const now = Date.now();
    if (c.armed) {
      if (!s.connected && c.lostAt === 0) {
        c.lostAt = now;
        if (!cfg.resume) void call(c, 'offline'); // queued while down; must run exactly once after
      }
      if (s.status === 'connecting') {
        c.attemptStartedAt = now;
        if (c.lostAt !== 0 && c.firstRetryAt === 0) c.firstRetryAt = now;
      }
      if (s.status === 'waiting' && previous === 'connecting') c.failedAttempts.push(c.attemptStartedAt);
    }
    previous = s.status;
    queueMicrotask(() => checkRecovered(c));
  });
  conn.collection('items').onChange(() => checkRecovered(c));
  conn.onResume(() => queueMicrotask(() => checkRecovered(c)));
  return c;
}

async function setup(): Promise<number> {
  for (let i = 0; i < cfg.count; i++) {
    clients.push(makeClient(i));
    if (i % 50 === 49) await sleep(5);
  }
  await Promise.all(clients.map((c) => c.conn.subscribe('items').whenReady()));
  await Promise.all(clients.map((c) => call(c, 'before')));
  for (const c of clients) c.armed = true;
  return clients.length;
}

function report(): StormClientReport {
  return {
    clients: clients.length,
    recovered: clients.filter((c) => c.recoveredAt !== 0).length,
    recoveredAt: clients.map((c) => c.recoveredAt),
    lostAt: clients.map((c) => c.lostAt),
    firstRetryAt: clients.map((c) => c.firstRetryAt),
    failedAttemptsSince: clients.reduce((t, c) => t + c.failedAttempts.filter((a) => a >= since).length, 0),
    resumed: clients.filter((c) => c.conn.lastResume?.outcome === 'resumed').length,
    called,
    resolved,
    rejected,
  };
}

serve(async (cmd, arg) => {
  switch (cmd) {
    case 'setup':
      return setup();
    case 'fire':
      // Calls in flight at the moment of the drop (resumption must run each exactly once).
      for (const c of clients) void call(c, 'inflight');
      return true;
    case 'since':
      since = arg as number;
      return true;
    case 'cpu': {
      const cpu = process.cpuUsage();
      return cpu.user + cpu.system;
    }
    case 'progress':
      for (const c of clients) checkRecovered(c);
      return {
        recovered: clients.filter((c) => c.recoveredAt !== 0).length,
        pending: called.length - resolved.length - rejected,
      };
    case 'after':
      // One more call per client once recovered: the connection works end to end.
      await Promise.all(clients.map((c) => call(c, 'after')));
      return true;
    case 'report':
      return report();
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});
