import { createServer, type Server, type Socket } from 'node:net';
import { ScriptedServer, until } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Connection, type ConnectOptions, connect } from '../src/index.js';
import { recordingLogger } from './helpers.js';

/**
 * The transport lives exactly as long as the chart's `linked` state: every way out of it closes the
 * socket, with no close written on any transition. Checked from the server's side of real sockets.
 */
const servers: ScriptedServer[] = [];
const tcpServers: Server[] = [];
const conns: Connection[] = [];
const rawSockets: Socket[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop().catch(() => {});
  for (const socket of rawSockets.splice(0)) socket.destroy();
  for (const t of tcpServers.splice(0)) await new Promise((r) => t.close(r));
});

function client(url: string, options: ConnectOptions = {}) {
  const c = connect(url, { backoff: () => 20, logger: recordingLogger(), ...options });
  conns.push(c);
  return c;
}

const openSockets = (s: ScriptedServer) => s.sockets.filter((w) => w.readyState !== WebSocket.CLOSED);

describe('the transport actor over real loopback sockets', () => {
  it('disconnect, reconnect, a forced reconnect and close each leave at most one socket open', async () => {
    const s = await new ScriptedServer().start();
    servers.push(s);
    const c = client(s.url);
    await c.call('echo', 1);
    expect(openSockets(s)).toHaveLength(1);

    c.disconnect();
    await until(() => openSockets(s).length === 0);
    // The goodbye went out on the socket before the chart's leaving `linked` closed it.
    expect(s.frames.at(-1)).toEqual({ msg: 'disconnect' });
    expect(c.status().status).toBe('offline');

    c.reconnect();
    await c.call('echo', 2);
    expect(s.sockets).toHaveLength(2);
    expect(openSockets(s)).toEqual([s.sockets[1]]);

    c.reconnect({ url: s.url }); // forced: connected → waiting → a new transport
    await until(() => s.sockets.length === 3 && openSockets(s).length === 1);
    await c.call('echo', 3);
    expect(openSockets(s)).toEqual([s.sockets[2]]);

    c.close();
    await until(() => openSockets(s).length === 0);
    expect(c.status()).toMatchObject({ status: 'failed', connected: false });
  });

  it('reconnect while connecting re-enters `linked`: the half-open socket is closed, a new one opened', async () => {
    // A TCP server that never answers the WebSocket upgrade keeps the client `connecting`.
    const accepted: Socket[] = [];
    const closed: Socket[] = [];
    const tcp = createServer((socket) => {
      accepted.push(socket);
      rawSockets.push(socket);
      socket.on('error', () => {});
      socket.on('close', () => closed.push(socket));
      socket.resume(); // read (and drop) the upgrade request, so the client's FIN is seen
    });
    tcpServers.push(tcp);
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const { port } = tcp.address() as { port: number };
    const c = client(`ws://127.0.0.1:${port}/websocket`);
    await until(() => accepted.length === 1);
    expect(c.status().status).toBe('connecting');
    c.reconnect();
    await until(() => accepted.length === 2 && closed.length === 1);
    expect(closed[0]).toBe(accepted[0]);
    expect(c.status()).toEqual({ status: 'connecting', connected: false, retryCount: 0 });
    c.disconnect();
    await until(() => closed.length === 2);
  });
});
