// A worker holding many real @ddpx/client connections, each with a subscription, for the storm.
import { type Connection, connect } from '@ddpx/client';
import { sleep } from '../ipc.js';
import { type BackoffPolicy, FULL_JITTER } from '../stormTypes.js';
import { freshStormClient, type StormClientState, StormLedger, serveStormWorker } from '../stormWorker.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as {
  port: number;
  count: number;
  worker: number;
  backoff: BackoffPolicy;
  resume: boolean;
};

interface Client extends StormClientState {
  conn: Connection;
  attemptStartedAt: number;
}

const ledger = new StormLedger<Client>(cfg.worker);
const { clients } = ledger;
const quiet = { warn: () => {}, error: () => {} };

function call(c: Client, tag: string): Promise<unknown> {
  const key = ledger.callKey(c, tag);
  return c.conn.call('inc', key).then(
    () => void ledger.resolved.push(key),
    () => void ledger.rejected++,
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
  const c: Client = { ...freshStormClient(index), conn, attemptStartedAt: 0 };
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

serveStormWorker(ledger, {
  setup,
  check: checkRecovered,
  call,
  resumed: () => clients.filter((c) => c.conn.lastResume?.outcome === 'resumed').length,
  // Calls in flight at the moment of the drop (resumption must run each exactly once).
  fire: () => {
    for (const c of clients) void call(c, 'inflight');
  },
});
