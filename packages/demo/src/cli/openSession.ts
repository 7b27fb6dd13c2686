import {
  type ClientStatus,
  type Connection,
  connect,
  type Logger,
  sockjsTransport,
  type TransportFactory,
  websocketTransport,
} from '@ddpx/client';
import type { ConnectionLoss } from '@ddpx/statecharts';
import { type CliTransport, checkUrl } from './checkUrl.js';
import { CliError, EXIT } from './exitCodes.js';

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** Transport to use. @default 'websocket' */
  transport: CliTransport;
  /** Give up (exit 3) once this many retries in a row failed; `undefined` retries forever once live. */
  maxRetries?: number | undefined;
  /** Give up (exit 3) when the very first connection attempt fails. @default true */
  failFast: boolean;
  /** How long opening a transport may take. @default 10000 */
  connectTimeoutMs?: number | undefined;
  /** Sees every inbound DDP frame (raw text), before the client handles it. */
  onFrame?: (text: string) => void;
}

/** A connection opened for a CLI command, plus a promise that rejects when the command must give up. */
export interface CliSession {
  /** The connection. */
  readonly connection: Connection;
  /** The transport endpoint (`ws://host/websocket`, `http://host/sockjs`). */
  readonly endpoint: string;
  /** Never resolves; rejects with a {@link CliError} on refusal, negotiation failure or too many retries. */
  readonly fatal: Promise<never>;
}

const quiet: Logger = { warn() {}, error() {} };

/** Words for why a transport went away, from the machine's `lastLoss`. */
export function describeLoss(loss: ConnectionLoss | undefined): string {
  if (!loss) return 'the connection was lost';
  const error = loss.error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running on that port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset by the server';
  if (loss.code === 'DDP_CONNECT_TIMEOUT') return 'timed out while opening the connection';
  if (loss.code === 'DDP_HEARTBEAT_TIMEOUT') return 'the server stopped answering pings';
  if (typeof error?.message === 'string' && error.message !== 'WebSocket error') {
    return `${error.message}${code ? ` (${code})` : ''}`;
  }
  if (loss.closeCode !== undefined) {
    return `closed by the server (code ${loss.closeCode}${loss.closeReason ? `, ${loss.closeReason}` : ''})`;
  }
  return `the connection was lost (${loss.code})`;
}

/**
 * Validates the URL (exit 2 when unusable), connects, and watches the lifecycle for reasons to give up:
 * a failed first attempt (`failFast`), a version negotiation failure (exit 4), or `maxRetries` failed
 * retries in a row (exit 3).
 */
export function openSession(url: string, options: SessionOptions): CliSession {
  const endpoint = checkUrl(url, options.transport);
  const inner = options.transport === 'sockjs' ? sockjsTransport() : websocketTransport({ headers: {} });
  // The endpoint is translated here once; the factory ignores the client's own mapping of it.
  const factory: TransportFactory = () => {
    const transport = inner(endpoint);
    if (options.onFrame) transport.on('message', options.onFrame);
    return transport;
  };
  let fail: (error: CliError) => void = () => {};
  const fatal = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  fatal.catch(() => {});
  const connection = connect(endpoint, {
    transport: factory,
    logger: quiet,
    ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    onDDPVersionNegotiationFailure: (description) =>
      fail(
        new CliError(
          EXIT.negotiation,
          `${description}; ddpx speaks ${['1', 'pre2', 'pre1'].join(', ')} (is this a DDP server?)`,
        ),
      ),
  });
  let everLive = false;
  connection.onResume(() => {
    everLive = true;
  });
  connection.onStatus((status: ClientStatus) => {
    if (status.status !== 'waiting') return;
    const loss = describeLoss(connection.actor.getSnapshot().context.lastLoss);
    if (!everLive && options.failFast) {
      fail(new CliError(EXIT.connection, `cannot connect to ${endpoint}: ${loss}`));
    } else if (options.maxRetries !== undefined && status.retryCount >= options.maxRetries) {
      fail(
        new CliError(EXIT.connection, `gave up on ${endpoint} after ${status.retryCount} retries: ${loss}`),
      );
    }
  });
  return { connection, endpoint, fatal };
}
