// Subscribers for the fan-out benchmark: bare `ws` clients, the same for every server, each speaking
// just enough of its protocol to be subscribed (DDP `connect` + `sub` of `feed`, a socket.io namespace
// connect into a room, a plain socket with a topic), and recording when change frames arrive.
import WebSocket from 'ws';
import type { FanoutContender, FanoutSeen } from '../fanoutTypes.js';
import { serve } from '../ipc.js';

const { kind, port } = JSON.parse(process.argv[2] ?? '{}') as { kind: FanoutContender; port: number };
const sockets: WebSocket[] = [];
let failed = 0;
let seen: FanoutSeen = { count: 0, first: 0, last: 0 };

const now = () => performance.timeOrigin + performance.now();

// A change frame, told apart without parsing (the clients must stay cheaper than the servers).
const isChange =
  kind === 'ddpx'
    ? (t: string) => t.startsWith('{"msg":"changed"')
    : kind === 'socketio'
      ? (t: string) => t.startsWith('42["change"')
      : (t: string) => t.startsWith('{"msg":"changed"');

function record(): void {
  const at = now();
  if (seen.count++ === 0) seen.first = at;
  seen.last = at;
}

function openOne(topic: number): Promise<void> {
  const url =
    kind === 'socketio'
      ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&topic=${topic}`
      : `ws://127.0.0.1:${port}/websocket?topic=${topic}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    const done = (ok: boolean) => {
      if (ready) return;
      ready = true;
      if (ok) sockets.push(ws);
      else failed++;
      resolve();
    };
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
    ws.on('open', () => {
      if (kind !== 'socketio') ws.send('{"msg":"connect","version":"1","support":["1","pre2","pre1"]}');
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (ready && isChange(text)) return record();
      if (kind === 'socketio') {
        if (text === '2') ws.send('3');
        else if (text.startsWith('0{')) ws.send('40');
        else if (text.startsWith('40')) done(true);
      } else if (text.startsWith('{"msg":"ping"')) ws.send('{"msg":"pong"}');
      else if (text.includes('"connected"')) {
        if (kind === 'ws') done(true);
        else ws.send(`{"msg":"sub","id":"s1","name":"feed","params":[${topic}]}`);
      } else if (text.startsWith('{"msg":"ready"')) done(true);
    });
  });
}

/** Opens `count` subscribers spread over `topics` topics (starting at `offset`), 100 handshakes at a time. */
async function open(arg: {
  count: number;
  topics: number;
  offset: number;
}): Promise<{ open: number; failed: number }> {
  let next = 0;
  const lane = async () => {
    while (next < arg.count) {
      const i = next++;
      await openOne((arg.offset + i) % arg.topics);
    }
  };
  await Promise.all(Array.from({ length: 100 }, lane));
  return { open: sockets.length, failed };
}

serve((cmd, arg) => {
  if (cmd === 'open') return open(arg as { count: number; topics: number; offset: number });
  if (cmd === 'reset') {
    seen = { count: 0, first: 0, last: 0 };
    return true;
  }
  if (cmd === 'seen') return seen;
  throw new Error(`unknown command ${cmd}`);
});
