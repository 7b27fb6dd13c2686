import { type ClientStatus, type Connection, type ConnectOptions, connect } from '@ddpx/client';
import { parseRetryHint } from '@ddpx/protocol';
import { createServer, type DDPServer } from '@ddpx/server';
import { until } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';

// A server drained for a restart tells each client when to come back (a ddpx hint in the close
// reason); the ddpx client waits for that instead of its backoff. Real loopback sockets, both
// transports, a real second server on the same port.

const servers: DDPServer[] = [];
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server with one publication and one method; `port` 0 picks a free one. */
async function serve(port = 0) {
  const server = createServer();
  server.on('error', () => {});
  server.methods({ add: (a, b) => (a as number) + (b as number) });
  server.publish('items', function () {
    this.added('items', 'a', { v: 1 });
    this.ready();
  });
  servers.push(server);
  const connectedAt: number[] = [];
  server.onConnection(() => connectedAt.push(Date.now()));
  const address = await server.listen(port, '127.0.0.1');
  return { server, port: address.port, connectedAt };
}

/** A client with its status history (`at`: when it changed) and a ready subscription. */
async function client(url: string, options: ConnectOptions = {}) {
  const c = connect(url, { backoff: () => 50, ...options });
  conns.push(c);
  const history: Array<ClientStatus & { at: number }> = [];
  c.onStatus((s) => history.push({ ...s, at: Date.now() }));
  await new Promise<void>((resolve) => c.subscribe('items', { onReady: resolve }));
  return { c, history };
}

/** The statuses since the connection was lost (the first `waiting`). */
const sinceLoss = (history: Array<ClientStatus & { at: number }>) =>
  history.slice(history.findIndex((s) => s.status === 'waiting'));

describe('server-steered return after a drain', () => {
  it('each ddpx client (websocket, SockJS, SockJS polling) waits for its hint, not its backoff: back once each, spread over the window, none early', async () => {
    const a = await serve();
    const ws = `ws://127.0.0.1:${a.port}/websocket`;
    const sockjs = `http://127.0.0.1:${a.port}`;
    const clients = await Promise.all([
      ...Array.from({ length: 6 }, () => client(ws)),
      ...Array.from({ length: 4 }, () => client(sockjs, { transport: 'sockjs' })),
      // SockJS without a WebSocket: the close frame (and the hint in it) comes in a poll response.
      ...Array.from({ length: 2 }, () =>
        client(sockjs, { transport: 'sockjs', sockjsOptions: { transports: ['xhr-polling'] } }),
      ),
    ]);
    await a.server.close({ drainMs: 100, comeBack: { afterMs: 400, windowMs: 400 } });
    const drainEnd = Date.now();
    const b = await serve(a.port); // listening again long before anyone is due

    await until(() => b.connectedAt.length === clients.length, 5000);
    for (const { c } of clients) expect(await c.call('add', 2, 3)).toBe(5);
    for (const { history } of clients) {
      const after = sinceLoss(history);
      // One wait, one attempt, connected: nobody came early and was refused.
      expect(after.map((s) => s.status)).toEqual(['waiting', 'connecting', 'connected']);
      const [waiting] = after;
      // The wait is the hint (hundreds of ms), not the 50 ms backoff.
      expect(waiting!.retryTime! - waiting!.at).toBeGreaterThan(300);
    }
    // Nobody before the drain's end + afterMs (a little slack for timers); spread over the window.
    const returns = [...b.connectedAt].sort((x, y) => x - y);
    expect(returns[0]!).toBeGreaterThanOrEqual(drainEnd + 400 - 30);
    expect(returns.at(-1)! - returns[0]!).toBeGreaterThan(150);
  });

  it('maxRetryHintMs caps the wait, and 0 ignores the hint (the backoff again)', async () => {
    const a = await serve();
    const ws = `ws://127.0.0.1:${a.port}/websocket`;
    const capped = await client(ws, { maxRetryHintMs: 120 });
    const ignoring = await client(ws, { maxRetryHintMs: 0 });
    await a.server.close({ comeBack: { afterMs: 5000, windowMs: 1000 } });
    await serve(a.port);
    const back = (h: Array<ClientStatus & { at: number }>) =>
      h.some((s) => s.status === 'waiting') && h.at(-1)!.status === 'connected';
    await until(() => back(capped.history) && back(ignoring.history), 5000);
    const waitOf = (h: Array<ClientStatus & { at: number }>) => {
      const w = sinceLoss(h)[0]!;
      return w.retryTime! - w.at;
    };
    expect(waitOf(capped.history)).toBeGreaterThanOrEqual(115);
    expect(waitOf(capped.history)).toBeLessThanOrEqual(125);
    expect(waitOf(ignoring.history)).toBeLessThanOrEqual(55);
  });

  it('the hint is the suffix of the close reason a plain WebSocket sees', async () => {
    const { WebSocket } = await import('ws');
    const a = await serve();
    const socket = new WebSocket(`ws://127.0.0.1:${a.port}/websocket`);
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ msg: 'connect', version: '1', support: ['1'] }));
    await new Promise((r) => socket.once('message', r));
    const closed = new Promise<[number, string]>((r) =>
      socket.once('close', (code, reason) => r([code, reason.toString()])),
    );
    await a.server.close({ comeBack: { afterMs: 250, windowMs: 100 } });
    const [code, reason] = await closed;
    expect(code).toBe(1001);
    expect(reason).toBe('server-close;retry-in=300');
    expect(parseRetryHint(reason)).toBe(300);
  });
});
