import { WebSocket } from 'ws';
import { type AttackStats, bump, type Endpoint } from './attackStats.js';
import type { Frame } from './frames.js';
import type { FuzzProfile } from './profile.js';
import { RawSocket } from './rawSocket.js';

/** What every attacker shares. */
export interface AttackContext {
  /** Server port. */
  port: number;
  /** The run's settings. */
  profile: FuzzProfile;
  /** Counters the attackers fill. */
  stats: AttackStats;
  /** The shared stream of hostile frames. */
  frames: Iterator<Frame>;
  /** Seeded randomness for every choice. */
  random: () => number;
  /** Frames left to send. */
  budget: { remaining: number };
  /** Session ids seen so far (the good clients' included), for resume and hijack attempts. */
  knownSessions: string[];
  /** Scenarios running now, by name (for the progress line). */
  active: Record<string, number>;
}

/** Runs one scenario, counted in `ctx.active` while it runs. */
export async function tracked(ctx: AttackContext, name: string, run: Promise<void>): Promise<void> {
  bump(ctx.active, name);
  try {
    await run;
  } finally {
    bump(ctx.active, name, -1);
  }
}

/** A well-formed `connect` for DDP 1. */
export const HANDSHAKE = '{"msg":"connect","version":"1","support":["1","pre2","pre1"]}';
/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The URL of an endpoint: raw `ws` at /websocket, or SockJS's raw websocket at /sockjs/websocket. */
export function pathOf(endpoint: Endpoint): string {
  return endpoint === 'websocket' ? '/websocket' : '/sockjs/websocket';
}

function remember(ctx: AttackContext, session: unknown): void {
  if (typeof session !== 'string') return;
  ctx.knownSessions.push(session);
  if (ctx.knownSessions.length > 200) ctx.knownSessions.splice(0, 100);
}

function handshakeOrHijack(ctx: AttackContext): { text: string; kind: 'handshake' | 'hijack' } {
  const known = ctx.knownSessions;
  if (known.length > 0 && ctx.random() < 0.15) {
    const session = known[Math.floor(ctx.random() * known.length)];
    const receivedCount = ctx.random() < 0.3 ? 0 : Math.floor(ctx.random() * 10_000);
    return {
      kind: 'hijack',
      text: JSON.stringify({
        msg: 'connect',
        version: '1',
        support: ['1', 'pre2', 'pre1'],
        session,
        receivedCount,
      }),
    };
  }
  return { kind: 'handshake', text: HANDSHAKE };
}

/** A `ws` client socket with its close code, or undefined when it did not open (counted). */
export async function openWs(
  ctx: AttackContext,
  endpoint: Endpoint,
): Promise<{ ws: WebSocket; closed: Promise<number>; code: () => number | undefined } | undefined> {
  const ws = new WebSocket(`ws://127.0.0.1:${ctx.port}${pathOf(endpoint)}`, { perMessageDeflate: false });
  ws.on('error', () => {});
  let code: number | undefined;
  const closed = new Promise<number>((resolve) =>
    ws.once('close', (c) => {
      code = c;
      resolve(c);
    }),
  );
  ctx.stats.connections[endpoint]++;
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (!opened) {
    ctx.stats.openFailures++;
    return undefined;
  }
  return { ws, closed, code: () => code };
}

function sendFrame(ctx: AttackContext, ws: WebSocket, frame: Frame): void {
  if (frame.text !== undefined) {
    ws.send(frame.text);
    ctx.stats.bytesSent += frame.text.length;
  } else {
    ws.send(frame.bytes!, { binary: frame.kind === 'binary' });
    ctx.stats.bytesSent += frame.bytes!.length;
  }
  ctx.stats.framesSent++;
  bump(ctx.stats.byKind, frame.kind);
}

/** Waits until the socket's output drains; false when the server stopped reading for `limitMs`. */
async function waitForDrain(ws: WebSocket, closed: Promise<number>, limitMs: number): Promise<boolean> {
  let done = false;
  void closed.then(() => {
    done = true;
  });
  const deadline = Date.now() + limitMs;
  while (!done && ws.bufferedAmount > 256 * 1024) {
    if (Date.now() > deadline) return false;
    await delay(5);
  }
  return true;
}

/** One connection sending a batch of hostile frames on `ws` or SockJS's raw websocket, then ending somehow. */
export async function frameSession(ctx: AttackContext, endpoint: Endpoint): Promise<void> {
  const socket = await openWs(ctx, endpoint);
  if (!socket) return;
  const { ws, closed, code } = socket;
  ws.on('message', (data: Buffer) => {
    if (data.length < 200 && data.toString('latin1', 0, 18) === '{"msg":"connected"') {
      try {
        remember(ctx, (JSON.parse(data.toString()) as { session?: unknown }).session);
      } catch {}
    }
  });
  if (ctx.random() < 0.8) {
    const hello = handshakeOrHijack(ctx);
    ws.send(hello.text);
    ctx.stats.framesSent++;
    ctx.budget.remaining--;
    bump(ctx.stats.byKind, hello.kind);
  }
  const count = 1 + Math.floor(ctx.random() * ctx.profile.maxFramesPerConnection);
  for (let i = 0; i < count && ctx.budget.remaining > 0; i++) {
    if (code() !== undefined) {
      bump(ctx.stats.endings, 'closed-by-server-early');
      return;
    }
    const frame = ctx.frames.next().value as Frame;
    ctx.budget.remaining--;
    sendFrame(ctx, ws, frame);
    if (frame.kind === 'oversize' || frame.kind === 'badUtf8') {
      // The server must close this connection (1009 / 1007); one that stays open is a zombie.
      const result = await Promise.race([closed, delay(ctx.profile.closeWaitMs).then(() => undefined)]);
      const expected = ctx.stats.expectedCloses[endpoint];
      if (result === undefined) {
        expected.missing++;
        ws.terminate();
      } else bump(expected.observed, String(result));
      bump(ctx.stats.endings, 'server-closed-after-fatal-frame');
      return;
    }
    if (ws.bufferedAmount > 1024 * 1024 && !(await waitForDrain(ws, closed, ctx.profile.closeWaitMs))) {
      bump(ctx.stats.endings, 'server-stopped-reading');
      ws.terminate();
      return;
    }
    if (i % 50 === 49) await delay(0);
  }
  await endConnection(ctx, ws, closed);
}

async function endConnection(ctx: AttackContext, ws: WebSocket, closed: Promise<number>): Promise<void> {
  const r = ctx.random();
  if (r < 0.35) {
    bump(ctx.stats.endings, 'terminate');
    ws.terminate();
    return;
  }
  if (r < 0.55) {
    bump(ctx.stats.endings, 'close-1000');
    ws.close(1000);
  } else if (r < 0.65) {
    const c =
      ctx.random() < 0.5 ? 3000 + Math.floor(ctx.random() * 1000) : 4000 + Math.floor(ctx.random() * 1000);
    bump(ctx.stats.endings, 'close-other-code');
    ws.close(c, 'fuzz');
  } else if (r < 0.75) {
    bump(ctx.stats.endings, 'goodbye');
    ws.send('{"msg":"disconnect"}');
    ctx.stats.framesSent++;
    ctx.budget.remaining--;
  } else {
    bump(ctx.stats.endings, 'linger-then-terminate');
    await Promise.race([closed, delay(100 + ctx.random() * 400)]);
    ws.terminate();
    return;
  }
  await Promise.race([closed, delay(1000)]);
  ws.terminate();
}

/** Opens a hand-written TCP WebSocket, counted; undefined (counted as a failure) when it cannot open. */
async function openRaw(ctx: AttackContext, endpoint: Endpoint): Promise<RawSocket | undefined> {
  ctx.stats.connections.raw++;
  try {
    return await RawSocket.open(ctx.port, pathOf(endpoint));
  } catch {
    ctx.stats.openFailures++;
    return undefined;
  }
}

/** A raw TCP WebSocket that handshakes, sends a few frames and dies in the middle of the next one. */
export async function midFrameSession(ctx: AttackContext, endpoint: Endpoint): Promise<void> {
  const raw = await openRaw(ctx, endpoint);
  if (!raw) return;
  raw.sendText(HANDSHAKE);
  ctx.stats.framesSent++;
  ctx.budget.remaining--;
  bump(ctx.stats.byKind, 'handshake');
  const n = Math.floor(ctx.random() * 20);
  for (let i = 0; i < n && ctx.budget.remaining > 0; i++) {
    const frame = ctx.frames.next().value as Frame;
    if (frame.text === undefined || frame.kind === 'oversize') continue;
    ctx.budget.remaining--;
    raw.sendText(frame.text);
    ctx.stats.framesSent++;
    ctx.stats.bytesSent += frame.text.length;
    bump(ctx.stats.byKind, frame.kind);
  }
  const variant = ctx.random();
  const announced = variant < 0.3 ? 10 : variant < 0.6 ? 1000 : 70_000;
  raw.closeMidFrame(announced, Math.floor(ctx.random() * announced), variant > 0.9);
  bump(ctx.stats.endings, 'mid-frame-close');
}

/** Opens a session, learns its id and drops the socket without a goodbye: it stays detached. */
export async function sessionDropSession(ctx: AttackContext, endpoint: Endpoint): Promise<void> {
  const socket = await openWs(ctx, endpoint);
  if (!socket) return;
  const { ws, closed } = socket;
  const connected = new Promise<boolean>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('{"msg":"connected"')) {
        remember(ctx, (JSON.parse(text) as { session?: unknown }).session);
        resolve(true);
      } else if (text.startsWith('{"msg":"failed"')) resolve(false);
    });
    void closed.then(() => resolve(false));
  });
  ws.send(HANDSHAKE);
  ctx.stats.framesSent++;
  ctx.budget.remaining--;
  bump(ctx.stats.byKind, 'handshake');
  if (await Promise.race([connected, delay(3000).then(() => false)])) ctx.stats.sessionsDropped++;
  ws.terminate();
  bump(ctx.stats.endings, 'session-dropped');
}

/** Opens a socket and never sends `connect`: the server must close it after its handshake timeout. */
export async function idleSession(ctx: AttackContext, endpoint: Endpoint): Promise<void> {
  const socket = await openWs(ctx, endpoint);
  if (!socket) return;
  ctx.stats.idleHandshakes.sockets++;
  const limit = ctx.profile.server.handshakeTimeoutMs + ctx.profile.closeWaitMs;
  const result = await Promise.race([socket.closed, delay(limit).then(() => undefined)]);
  if (result === undefined) {
    ctx.stats.idleHandshakes.leftOpen++;
    bump(ctx.stats.idleHandshakes.leftOpenByEndpoint, endpoint);
    socket.ws.terminate();
  } else ctx.stats.idleHandshakes.closedByServer++;
  bump(ctx.stats.endings, 'idle-handshake');
}

/**
 * A slow consumer: handshakes, stops reading, floods pings with big ids, holds, then reads what is
 * left. The server must drop it once its unflushed output passes `maxBufferedBytes`; one it keeps
 * open had every pong buffered. `duringHold` runs while the socket is held (a memory reading).
 */
export async function pingFloodSession(
  ctx: AttackContext,
  endpoint: Endpoint,
  duringHold: () => Promise<void>,
): Promise<void> {
  const p = ctx.profile;
  const raw = await openRaw(ctx, endpoint);
  if (!raw) return;
  ctx.stats.pingFloods.sockets++;
  raw.sendText(HANDSHAKE);
  ctx.stats.framesSent++;
  ctx.budget.remaining--;
  raw.socket.pause();
  const id = 'p'.repeat(p.pingIdBytes);
  let stalled = false;
  for (let i = 0; i < p.pingFloodPings && !raw.closed; i++) {
    if (!raw.sendText(`{"msg":"ping","id":"${id}${i}"}`)) {
      // A server that stops reading instead of dropping the slow reader holds the socket as long as it likes.
      const drained = await Promise.race([
        raw.drained().then(() => true),
        delay(p.closeWaitMs).then(() => false),
      ]);
      if (!drained) {
        ctx.stats.pingFloods.stalled++;
        stalled = true;
        break;
      }
    }
    ctx.stats.framesSent++;
    ctx.stats.bytesSent += id.length + 24;
    ctx.budget.remaining--;
    bump(ctx.stats.byKind, 'pingFlood');
  }
  ctx.stats.pingFloods.owedBytesEach = (p.pingIdBytes + 28) * p.pingFloodPings;
  await delay(p.floodHoldMs);
  await duringHold();
  // Read what the server sent; a server that kept every pong keeps the socket open after that.
  raw.socket.resume();
  let last = -1;
  for (let waited = 0; !raw.closed && waited < 15_000; waited += 500) {
    await Promise.race([raw.whenClosed, delay(500)]);
    if (raw.bytesRead === last) break;
    last = raw.bytesRead;
  }
  if (raw.closed) ctx.stats.pingFloods.droppedByServer++;
  else if (stalled || endpoint === 'sockjs') {
    // The server stopped reading this peer instead of buffering its pongs (SockJS's faye does so
    // whenever the peer's output backs up): bounded, not a leak; the memory bound checks it.
    ctx.stats.pingFloods.throttled++;
    raw.destroy();
  } else {
    ctx.stats.pingFloods.leftOpen++;
    bump(ctx.stats.pingFloods.leftOpenByEndpoint, endpoint);
    raw.destroy();
  }
  bump(ctx.stats.endings, 'ping-flood');
}
