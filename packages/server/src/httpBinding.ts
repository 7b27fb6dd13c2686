import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type Listener = (...args: unknown[]) => void;

/** Decides whether a request/upgrade is ours; returns true when it handled it. */
export interface HttpHandlers {
  request(req: IncomingMessage, res: ServerResponse): boolean;
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): boolean;
}

/**
 * Puts `handlers` in front of the server's existing `request` and `upgrade` listeners, as Meteor and
 * sockjs do: what is ours never reaches the app, everything else reaches exactly the listeners that
 * were there. Returns a function that restores the original listeners.
 */
export function bindHttpServer(server: HttpServer, handlers: HttpHandlers): () => void {
  const oldRequest = server.listeners('request') as Listener[];
  const oldUpgrade = server.listeners('upgrade') as Listener[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');

  const onRequest = function (this: unknown, req: IncomingMessage, res: ServerResponse): void {
    if (handlers.request(req, res)) return;
    for (const l of oldRequest) l.call(this, req, res);
    if (oldRequest.length === 0 && server.listenerCount('request') === 1) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found\n');
    }
  };
  const onUpgrade = function (this: unknown, req: IncomingMessage, socket: Socket, head: Buffer): void {
    if (handlers.upgrade(req, socket, head)) return;
    for (const l of oldUpgrade) l.call(this, req, socket, head);
    if (oldUpgrade.length === 0 && server.listenerCount('upgrade') === 1) {
      socket.on('error', () => {});
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    }
  };
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  return () => {
    server.removeListener('request', onRequest);
    server.removeListener('upgrade', onUpgrade);
    for (const l of oldRequest) server.on('request', l);
    for (const l of oldUpgrade) server.on('upgrade', l);
  };
}
