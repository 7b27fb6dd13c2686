import { toSockjsUrl, toWebsocketUrl } from '@ddpx/client';
import { CliError, EXIT } from './exitCodes.js';

/** The transports the CLI can use. */
export type CliTransport = 'websocket' | 'sockjs';

const SCHEMES = /^(wss?|https?|ddpi?\+sockjs):\/\//i;

/**
 * Checks a DDP URL the way a person means it (`localhost:3000`, `http(s)://host`, `ws(s)://host/websocket`,
 * `ddp+sockjs://host`) and returns the endpoint the transport will open. Throws a {@link CliError}
 * (exit 2) with a readable message for anything else.
 */
export function checkUrl(url: string, transport: CliTransport): string {
  const bad = (why: string) =>
    new CliError(
      EXIT.usage,
      `bad URL '${url}': ${why} (try http://localhost:3000, ws://host:3000/websocket or host:port)`,
    );
  if (url.trim() === '' || /\s/.test(url)) throw bad('it is empty or contains spaces');
  if (url.includes('://') && !SCHEMES.test(url)) {
    throw bad(`the scheme '${url.slice(0, url.indexOf('://'))}' is not ws, wss, http, https or ddp+sockjs`);
  }
  let endpoint: string;
  try {
    endpoint = transport === 'sockjs' ? toSockjsUrl(url) : toWebsocketUrl(url);
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
  return endpoint;
}
