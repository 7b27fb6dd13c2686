import type { AddressInfo } from 'node:net';
import { closeRawClients } from '@ddpx/testing';
import { createServer, type DDPServer, type ServerOptions } from '../src/index.js';

export { RawClient } from '@ddpx/testing';

/** A started server on 127.0.0.1:0 with its base URLs; closed by `stopAll()`. */
export interface Running {
  server: DDPServer;
  port: number;
  wsUrl: string;
  httpUrl: string;
}

const running: DDPServer[] = [];

/** Starts a server on a free loopback port. */
export async function start(options?: ServerOptions, setup?: (server: DDPServer) => void): Promise<Running> {
  const server = createServer(options);
  server.on('error', () => {});
  setup?.(server);
  const addr: AddressInfo = await server.listen(0, '127.0.0.1');
  running.push(server);
  return {
    server,
    port: addr.port,
    wsUrl: `ws://127.0.0.1:${addr.port}/websocket`,
    httpUrl: `http://127.0.0.1:${addr.port}`,
  };
}

/** Closes every server started here and every raw client of `@ddpx/testing` (call in afterEach). */
export async function stopAll(): Promise<void> {
  closeRawClients();
  await Promise.all(running.splice(0).map((s) => s.close()));
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
