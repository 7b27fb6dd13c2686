// Opens many idle connections with a bare `ws` client speaking just enough of each protocol to be a
// full session on the server: a DDP handshake (and pongs), an engine.io/socket.io namespace connect
// (and pongs), or a plain WebSocket. The client side is the same for every contender.
import WebSocket from 'ws';
import { serve } from '../ipc.js';

/** The server protocol these idle connections speak. */
type IdleKind = 'ddpx' | 'ws' | 'socketio';

const { kind, port } = JSON.parse(process.argv[2] ?? '{}') as { kind: IdleKind; port: number };
const sockets: WebSocket[] = [];
let failed = 0;
let closedAfterOpen = 0;

function openOne(): Promise<void> {
  const url =
    kind === 'socketio'
      ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`
      : `ws://127.0.0.1:${port}/websocket`;
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
    ws.on('close', () => {
      if (ready) closedAfterOpen++;
      done(false);
    });
    ws.on('open', () => {
      if (kind === 'ddpx') ws.send('{"msg":"connect","version":"1","support":["1","pre2","pre1"]}');
      if (kind === 'ws') done(true);
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (kind === 'ddpx') {
        if (text.startsWith('{"msg":"ping"')) ws.send('{"msg":"pong"}');
        else if (text.includes('"connected"')) done(true);
      } else if (kind === 'socketio') {
        if (text === '2') ws.send('3');
        else if (text.startsWith('0{')) ws.send('40');
        else if (text.startsWith('40')) done(true);
      }
    });
  });
}

/** Opens connections until `target` are open, at most `concurrency` handshakes at a time. */
async function openUpTo(target: number, concurrency: number): Promise<{ open: number; failed: number }> {
  let inFlight = 0;
  let remaining = target - sockets.length;
  await new Promise<void>((resolve) => {
    if (remaining <= 0) resolve();
    const pump = () => {
      while (inFlight < concurrency && remaining > 0) {
        remaining--;
        inFlight++;
        openOne().then(() => {
          inFlight--;
          if (remaining === 0 && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return { open: sockets.length, failed };
}

serve((cmd, arg) => {
  if (cmd === 'open') return openUpTo(arg as number, 100);
  if (cmd === 'status') return { open: sockets.length, failed, closedAfterOpen };
  throw new Error(`unknown command ${cmd}`);
});
