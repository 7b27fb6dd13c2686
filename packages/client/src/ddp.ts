import { ConnectionError, DDPError } from '@ddpx/protocol';
import { Connection } from './connection.js';
import type { ConnectOptions } from './options.js';
import { globalReconnectHooks, type ReconnectHook } from './reconnectHooks.js';

/** Opens a DDP connection to `url` (`http(s)://host`, `host:port`, `ws(s)://host/websocket`, `ddp+sockjs://…`). */
export function connect(url: string, options?: ConnectOptions): Connection {
  return new Connection(url, options);
}

/** Registers a hook run on every (re)open of every connection, after the connection's own `onReconnect`. */
export function onReconnect(callback: ReconnectHook<Connection>): { stop(): void } {
  return globalReconnectHooks.add(callback);
}

/** Meteor's `DDP` namespace: `connect`, `onReconnect` and the error classes. */
export const DDP = Object.freeze({
  connect,
  onReconnect,
  ConnectionError,
  DDPError,
});
