// One client process for the round-trip benchmark: a closed loop with N calls in flight.
import { connect } from '@ddpx/client';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { serve } from '../ipc.js';
import { PAYLOAD, type RttContender, type RttRunResult } from '../rttTypes.js';

const { kind, port } = JSON.parse(process.argv[2] ?? '{}') as { kind: RttContender; port: number };

/** Sends one call and resolves with the echoed payload. */
type Caller = () => Promise<unknown>;

let unmatched = 0;

async function open(): Promise<Caller> {
  if (kind === 'ddpx' || kind === 'ddpx-sockjs') {
    const conn = connect(`http://127.0.0.1:${port}`, {
      transport: kind === 'ddpx-sockjs' ? 'sockjs' : 'websocket',
      logger: { warn: () => unmatched++, error: () => unmatched++ },
    });
    await conn.call('echo', PAYLOAD);
    return () => conn.call('echo', PAYLOAD);
  }
  if (kind === 'naive') {
    // A minimal DDP client: one JSON.parse per frame; a call resolves once both its `result` and its
    // `updated` arrived (as ddpx's `call` does).
    const ws = new WebSocket(`ws://127.0.0.1:${port}/websocket`, { perMessageDeflate: false });
    const calls = new Map<string, { result?: unknown; got: number; done: (v: unknown) => void }>();
    let next = 1;
    const settle = (id: string) => {
      const c = calls.get(id);
      if (!c) return void unmatched++;
      if (++c.got === 2) {
        calls.delete(id);
        c.done(c.result);
      }
    };
    const connected = new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as {
          msg: string;
          id?: string;
          result?: unknown;
          methods?: string[];
        };
        if (m.msg === 'result') {
          const c = calls.get(m.id!);
          if (c) c.result = m.result;
          settle(m.id!);
        } else if (m.msg === 'updated') for (const id of m.methods ?? []) settle(id);
        else if (m.msg === 'connected') resolve(undefined);
        else if (m.msg === 'ping') ws.send('{"msg":"pong"}');
      });
    });
    ws.once('open', () => ws.send('{"msg":"connect","version":"1","support":["1"]}'));
    await connected;
    return () =>
      new Promise((resolve) => {
        const id = String(next++);
        calls.set(id, { got: 0, done: resolve });
        ws.send(JSON.stringify({ msg: 'method', id, method: 'echo', params: [PAYLOAD] }));
      });
  }
  if (kind === 'ws') {
    // The floor: the same bytes a DDP client sends for the call, echoed unchanged by the server. Replies
    // come back in order, so the oldest waiting call is the one answered; the bytes are compared, not parsed.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const waiting: { frame: string; done: (v: unknown) => void }[] = [];
    let head = 0;
    let next = 1;
    ws.on('message', (data) => {
      const w = waiting[head];
      if (!w || String(data) !== w.frame) {
        unmatched++;
        return;
      }
      waiting[head++] = undefined as never;
      if (head > 4096 && head * 2 > waiting.length) {
        waiting.splice(0, head);
        head = 0;
      }
      w.done(PAYLOAD);
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return () =>
      new Promise((resolve) => {
        const frame = JSON.stringify({
          msg: 'method',
          id: String(next++),
          method: 'echo',
          params: [PAYLOAD],
        });
        waiting.push({ frame, done: resolve });
        ws.send(frame);
      });
  }
  const socket: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
  return () => new Promise((resolve) => socket.emit('echo', PAYLOAD, resolve));
}

const callerPromise = open();

async function run(arg: { inflight: number; warmupMs: number; durationMs: number }): Promise<RttRunResult> {
  const call = await callerPromise;
  const latencies: number[] = [];
  let sent = 0;
  let received = 0;
  let measuring = false;
  let stopping = false;
  let measured = 0;
  const loop = async () => {
    while (!stopping) {
      const t = performance.now();
      sent++;
      const res = await call();
      received++;
      if (res === undefined || (res as { n?: unknown }).n !== PAYLOAD.n) unmatched++;
      if (measuring) {
        latencies.push(performance.now() - t);
        measured++;
      }
    }
  };
  const loops = Array.from({ length: arg.inflight }, loop);
  await new Promise((r) => setTimeout(r, arg.warmupMs));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, arg.durationMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  stopping = true;
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    calls: measured,
    callsPerSec: measured / seconds,
    p50: q(0.5),
    p99: q(0.99),
    clientCpuUsPerCall: (cpu.user + cpu.system) / Math.max(1, measured),
    clientSysUsPerCall: cpu.system / Math.max(1, measured),
    sent,
    received,
    unmatched,
  };
}

serve((cmd, arg) => {
  if (cmd === 'ready') return callerPromise.then(() => true);
  if (cmd === 'run') return run(arg as { inflight: number; warmupMs: number; durationMs: number });
  throw new Error(`unknown command ${cmd}`);
});
