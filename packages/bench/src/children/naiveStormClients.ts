// A worker holding many naive DDP clients for the storm: a bare `ws` socket each, no library, the way a
// minimal hand-written client would do it. On a loss it reconnects on Meteor's backoff (10 ms, 10 ms,
// then 1 s × 2.2ⁿ ± 25 %), and after every `connected` it subscribes and calls one method; nothing is
// replayed or resumed. It answers the same IPC commands and report as `stormClients.ts`.
import WebSocket from 'ws';
import { sleep } from '../ipc.js';
import { freshStormClient, type StormClientState, StormLedger, serveStormWorker } from '../stormWorker.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as { port: number; count: number; worker: number };

interface Client extends StormClientState {
  ws: WebSocket | undefined;
  connected: boolean;
  /** Session named by the last `connected`, and by the document of the last `added`. */
  session: string;
  docSession: string;
  /** Failed attempts since the last `connected` (Meteor's `retryCount`). */
  attempt: number;
  attemptStartedAt: number;
  /** Method id → call key and its waiter, for calls not answered yet. */
  pending: Map<string, { key: string; done: () => void }>;
  whenReady: (() => void) | undefined;
}

/** Meteor's `Retry` as a naive client writes it: 10 ms twice, then min(300 s, 1 s × 2.2ⁿ) × U[0.75, 1.25). */
function backoff(attempt: number): number {
  if (attempt < 2) return 10;
  return Math.min(300_000, 1000 * 2.2 ** attempt) * (0.75 + Math.random() * 0.5);
}

const ledger = new StormLedger<Client>(cfg.worker);
const { clients } = ledger;
let methodIds = 0;
const url = `ws://127.0.0.1:${cfg.port}/websocket`;

function call(c: Client, tag: string): Promise<void> {
  const key = ledger.callKey(c, tag);
  const id = String(++methodIds);
  return new Promise((done) => {
    c.pending.set(id, { key, done });
    c.ws?.send(JSON.stringify({ msg: 'method', id, method: 'inc', params: [key] }));
  });
}

function open(c: Client): void {
  c.attemptStartedAt = Date.now();
  if (c.armed && c.lostAt !== 0 && c.firstRetryAt === 0) c.firstRetryAt = c.attemptStartedAt;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  c.ws = ws;
  ws.on('open', () => ws.send('{"msg":"connect","version":"1","support":["1"]}'));
  ws.on('error', () => {}); // a `close` follows
  ws.on('close', () => {
    if (c.ws !== ws) return;
    c.ws = undefined;
    const wasConnected = c.connected;
    c.connected = false;
    // Calls without an answer are not re-sent: a naive client loses them (counted as lost).
    ledger.rejected += c.pending.size;
    for (const p of c.pending.values()) p.done();
    c.pending.clear();
    if (wasConnected) {
      if (c.armed && c.lostAt === 0) c.lostAt = Date.now();
    } else {
      if (c.armed) c.failedAttempts.push(c.attemptStartedAt);
      c.attempt++;
    }
    const delay = wasConnected ? backoff(0) : backoff(c.attempt);
    setTimeout(() => open(c), delay);
  });
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as {
      msg: string;
      id?: string;
      session?: string;
      fields?: { session?: string };
    };
    if (m.msg === 'connected') {
      c.connected = true;
      c.attempt = 0;
      c.session = m.session ?? '';
      ws.send('{"msg":"sub","id":"items","name":"items","params":[]}');
      if (c.armed && c.lostAt !== 0) void call(c, 'reconnected');
    } else if (m.msg === 'added') {
      c.docSession = m.fields?.session ?? '';
    } else if (m.msg === 'ready') {
      c.whenReady?.();
      c.whenReady = undefined;
      check(c);
    } else if (m.msg === 'result') {
      const p = c.pending.get(m.id ?? '');
      if (p !== undefined) {
        c.pending.delete(m.id!);
        ledger.resolved.push(p.key);
        p.done();
      }
    } else if (m.msg === 'ping') ws.send('{"msg":"pong"}');
  });
}

function check(c: Client): void {
  if (!c.armed || c.lostAt === 0 || c.recoveredAt !== 0 || !c.connected) return;
  if (c.docSession === c.session) c.recoveredAt = Date.now();
}

function makeClient(index: number): Client {
  const c: Client = {
    ...freshStormClient(index),
    ws: undefined,
    connected: false,
    session: '',
    docSession: '',
    attempt: 0,
    attemptStartedAt: 0,
    pending: new Map(),
    whenReady: undefined,
  };
  open(c);
  return c;
}

async function setup(): Promise<number> {
  const ready: Promise<void>[] = [];
  for (let i = 0; i < cfg.count; i++) {
    const c = makeClient(i);
    clients.push(c);
    ready.push(new Promise<void>((resolve) => (c.whenReady = resolve)));
    if (i % 50 === 49) await sleep(5);
  }
  await Promise.all(ready);
  await Promise.all(clients.map((c) => call(c, 'before')));
  for (const c of clients) c.armed = true;
  return clients.length;
}

serveStormWorker(ledger, { setup, check, call, resumed: () => 0 });
