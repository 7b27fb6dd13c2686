import { WebSocket } from 'ws';
import { type AttackContext, delay, HANDSHAKE, openWs, pathOf } from './attackers.js';
import { bump, type Endpoint } from './attackStats.js';

/** Close reasons of a server at `maxSessions` with every session live: a refusal that is correct. */
const FULL_OF_LIVE_SESSIONS = new Set(['too many sessions', 'server-full']);

/**
 * One fresh, well-behaved handshake: `ok`, `failed`, `timeout`, `full-<code>` (refused because every
 * session slot holds a live session) or `close-<code>` (refused for any other reason).
 */
export async function probeOnce(port: number, endpoint: Endpoint): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${pathOf(endpoint)}`, { perMessageDeflate: false });
  ws.on('error', () => {});
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 2000);
    ws.on('open', () => ws.send(HANDSHAKE));
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('{"msg":"connected"')) {
        clearTimeout(timer);
        resolve('ok');
      } else if (text.startsWith('{"msg":"failed"')) {
        clearTimeout(timer);
        resolve('failed');
      }
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      // A server full of live sessions (none detached to evict) refuses newcomers by design.
      const full = FULL_OF_LIVE_SESSIONS.has(reason.toString());
      resolve(full ? `full-${code}` : `close-${code}`);
    });
  });
  if (outcome === 'ok') {
    ws.send('{"msg":"disconnect"}');
    ws.close(1000);
    setTimeout(() => ws.terminate(), 1000).unref();
  } else ws.terminate();
  return outcome;
}

/** A probe during the attack, counted in `stats.probes`. */
export async function probeHandshake(ctx: AttackContext, endpoint: Endpoint): Promise<void> {
  const outcome = await probeOnce(ctx.port, endpoint);
  if (outcome === 'ok') ctx.stats.probes.ok++;
  else if (outcome === 'timeout') ctx.stats.probes.timedOut++;
  else bump(ctx.stats.probes.refused, outcome);
}

/**
 * Fills the server with `count` sockets at once, then checks that a fresh client still gets in:
 * `detached` opens sessions and drops them without a goodbye (they wait out their grace period);
 * `idle` opens sockets that never send `connect` (they wait out the handshake timeout).
 */
export async function squat(ctx: AttackContext, kind: 'detached' | 'idle', count: number): Promise<void> {
  const record = ctx.stats.squats[kind];
  const sockets: WebSocket[] = [];
  const one = async (i: number): Promise<boolean> => {
    const socket = await openWs(ctx, i % 2 === 0 ? 'websocket' : 'sockjs');
    if (!socket) return false;
    sockets.push(socket.ws);
    if (kind === 'idle') return Promise.race([socket.closed.then(() => false), delay(50).then(() => true)]);
    const connected = new Promise<boolean>((resolve) => {
      socket.ws.on('message', (data: Buffer) => resolve(data.toString().startsWith('{"msg":"connected"')));
      void socket.closed.then(() => resolve(false));
    });
    socket.ws.send(HANDSHAKE);
    ctx.stats.framesSent++;
    ctx.budget.remaining--;
    bump(ctx.stats.byKind, 'handshake');
    return Promise.race([connected, delay(1500).then(() => false)]);
  };
  // In waves, until `count` are held or a whole wave is turned away (the server is full).
  let held = 0;
  for (let attempt = 0; held < count && attempt < 2 * count; ) {
    const wave = Math.min(25, count - held);
    const got = (await Promise.all(Array.from({ length: wave }, (_, k) => one(attempt + k)))).filter(
      Boolean,
    ).length;
    attempt += wave;
    held += got;
    if (got === 0) break;
  }
  const opened = [held];
  record.sockets += opened[0]!;
  if (kind === 'detached') for (const ws of sockets) ws.terminate();
  for (let i = 0; i < 4; i++) {
    const outcome = await probeOnce(ctx.port, i % 2 === 0 ? 'websocket' : 'sockjs');
    if (outcome === 'ok') record.probesOk++;
    else bump(record.probesRefused, outcome);
  }
  for (const ws of sockets) ws.terminate();
}
