import { toSockjsUrl, toWebsocketUrl } from '@ddpx/client';
import { CliError, EXIT } from './exitCodes.js';

/** The transports the CLI can use. */
export type CliTransport = 'websocket' | 'sockjs';

/** Where a DDP URL leads: the endpoint the transport opens, over which transport, and whether it is TLS. */
export interface CheckedUrl {
  /** The transport endpoint (`ws://host:3000/websocket`, `https://host/sockjs`). */
  readonly endpoint: string;
  /** The transport: `-t` when given, else SockJS for `ddp+sockjs://` / `ddpi+sockjs://`, else WebSocket. */
  readonly transport: CliTransport;
  /** True when the endpoint is encrypted (`wss:`, `https:`): `https://`, `wss://` and `ddp+sockjs://` are. */
  readonly tls: boolean;
}

const SCHEMES = /^(wss?|https?|ddpi?\+sockjs):\/\//i;
const HINT = 'try http://localhost:3000, ws://host:3000/websocket or host:port';

/**
 * Checks a DDP URL the way a person means it (`localhost:3000`, `http(s)://host`, `ws(s)://host/websocket`,
 * `ddp+sockjs://host`) and returns the endpoint the transport will open. Throws a {@link CliError}
 * (exit 2) with a readable message for anything else.
 */
export function checkUrl(url: string, transport?: CliTransport): CheckedUrl {
  const bad = (why: string) => new CliError(EXIT.usage, `bad URL '${url}': ${why} (${HINT})`);
  if (url.trim() === '' || /\s/.test(url)) throw bad('it is empty or contains spaces');
  if (url.includes('://') && !SCHEMES.test(url)) {
    throw bad(
      `the scheme '${url.slice(0, url.indexOf('://'))}' is not ws, wss, http, https, ddp+sockjs or ddpi+sockjs`,
    );
  }
  // Meteor's `ddp+sockjs://` names a SockJS endpoint; follow it unless the user chose a transport.
  const chosen: CliTransport = transport ?? (/^ddpi?\+sockjs:/i.test(url) ? 'sockjs' : 'websocket');
  let endpoint: string;
  try {
    endpoint = chosen === 'sockjs' ? toSockjsUrl(url) : toWebsocketUrl(url);
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw bad('it does not parse as a URL');
  }
  if (!parsed.hostname) throw bad('it has no host name');
  if (parsed.port !== '' && !(Number(parsed.port) > 0 && Number(parsed.port) < 65536)) {
    throw bad(`port ${parsed.port} is out of range`);
  }
  return { endpoint, transport: chosen, tls: parsed.protocol === 'wss:' || parsed.protocol === 'https:' };
}

/** `ws://h/websocket over websocket` or `https://h/sockjs over sockjs, TLS`, for messages. */
export function describeTarget(target: CheckedUrl): string {
  return `${target.endpoint} over ${target.transport}${target.tls ? ', TLS' : ''}`;
}
