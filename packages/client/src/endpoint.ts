import type { ConnectOptions } from './options.js';
import { sockjsTransport } from './sockjsTransport.js';
import type { TransportFactory } from './transport.js';
import { toSockjsUrl, toWebsocketUrl } from './url.js';
import { websocketTransport } from './websocketTransport.js';

/** The endpoint a DDP URL maps to for the configured transport (§6.2). */
export function endpointFor(url: string, options: ConnectOptions): string {
  const urlOptions = {
    ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
    ...(options.random ? { random: options.random } : {}),
  };
  if (options.transport === 'sockjs') return toSockjsUrl(url, urlOptions);
  if (
    typeof options.transport === 'function' &&
    !/^(ddpi?\+sockjs|https?|wss?):\/\/|^\//i.test(url) &&
    !url.includes(':')
  ) {
    return url; // custom transports may use opaque addresses
  }
  return toWebsocketUrl(url, urlOptions);
}

/** The transport factory for the options: the one passed in, SockJS, or WebSocket. */
export function transportFactory(options: ConnectOptions): TransportFactory {
  if (typeof options.transport === 'function') return options.transport;
  if (options.transport === 'sockjs') return sockjsTransport(options.sockjsOptions ?? {});
  if (options.transport !== undefined && options.transport !== 'websocket') {
    throw new TypeError(
      `transport must be 'websocket', 'sockjs' or a factory, got ${String(options.transport)}`,
    );
  }
  return websocketTransport({
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.maxBatchFrames !== undefined ? { maxBatchFrames: options.maxBatchFrames } : {}),
    ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
  });
}
