import {
  type ClientStatus,
  type Connection,
  connect,
  type Logger,
  sockjsTransport,
  type TransportFactory,
  websocketTransport,
} from '@ddpx/client';
import { type CheckedUrl, type CliTransport, checkUrl, describeTarget } from './checkUrl.js';
import { describeLoss, type LossLike } from './describeLoss.js';
import { CliError, EXIT } from './exitCodes.js';
import { probeSockjs } from './probeSockjs.js';

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** Transport to use; `undefined` picks it from the URL (SockJS for `ddp+sockjs://`). @default undefined */
  transport?: CliTransport | undefined;
  /** Give up (exit 3) once this many retries in a row failed; `undefined` retries forever once live. @default undefined */
  maxRetries?: number | undefined;
  /** Give up (exit 3) when the very first connection attempt fails. */
  failFast: boolean;
  /** How long opening a transport may take. @default 10000 */
  connectTimeoutMs?: number | undefined;
  /** Sees every inbound DDP frame (raw text), before the client handles it. */
  onFrame?: (text: string) => void;
}

/** One status change, explained: for `waiting`, why the transport went away and whether the CLI gives up. */
export interface StatusChange {
  /** The new status object. */
  readonly status: ClientStatus;
  /** For `waiting`: the loss in words. */
  readonly why?: string;
  /** True when this `waiting` is the one the CLI gives up at (no retry follows). */
  readonly givingUp: boolean;
}

/** A connection opened for a CLI command, plus a promise that rejects when the command must give up. */
export interface CliSession {
  /** The connection. */
  readonly connection: Connection;
  /** The checked URL: endpoint, transport, TLS. */
  readonly target: CheckedUrl;
  /** Never resolves; rejects with a {@link CliError} on refusal, negotiation failure or too many retries. */
  readonly fatal: Promise<never>;
  /** Calls `listener` for every status change, in order (a SockJS failure is probed before it is reported). */
  onChange(listener: (change: StatusChange) => void): void;
}

const quiet: Logger = { warn() {}, error() {} };

/**
 * Validates the URL (exit 2 when unusable), connects, and watches the lifecycle for reasons to give up:
 * a failed first attempt (`failFast`), a version negotiation failure (exit 4), or `maxRetries` failed
 * retries in a row (exit 3).
 */
export function openSession(url: string, options: SessionOptions): CliSession {
  const target = checkUrl(url, options.transport);
  const inner = target.transport === 'sockjs' ? sockjsTransport() : websocketTransport({ headers: {} });
  // The endpoint is translated here once; the factory ignores the client's own mapping of it.
  const factory: TransportFactory = () => {
    const transport = inner(target.endpoint);
    if (options.onFrame) transport.on('message', options.onFrame);
    return transport;
  };
  let fail: (error: CliError) => void = () => {};
  const fatal = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  fatal.catch(() => {});
  const connection = connect(target.endpoint, {
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
  const listeners: ((change: StatusChange) => void)[] = [];
  let everLive = false;
  let previous: ClientStatus | undefined = connection.status();
  let queue: Promise<void> = Promise.resolve();
  connection.onResume(() => {
    everLive = true;
  });
  const explain = async (status: ClientStatus, opened: boolean, loss: LossLike | undefined) => {
    let why = describeLoss(loss, target, opened);
    if (target.transport === 'sockjs' && !opened && loss?.closeCode === 1002) {
      why = (await probeSockjs(target.endpoint)) ?? why;
    }
    const givingUp =
      (!everLive && options.failFast) ||
      (options.maxRetries !== undefined && status.retryCount >= options.maxRetries);
    return { status, why, givingUp };
  };
  connection.onStatus((status) => {
    // onStatus first replays the current status, which the commands have already shown.
    if (status === previous) return;
    const opened = previous?.status === 'connected';
    previous = status;
    const loss = status.status === 'waiting' ? connection.actor.getSnapshot().context.lastLoss : undefined;
    queue = queue.then(async () => {
      const change: StatusChange =
        status.status === 'waiting' ? await explain(status, opened, loss) : { status, givingUp: false };
      for (const listener of listeners) listener(change);
      if (!change.givingUp) return;
      const where = describeTarget(target);
      fail(
        !everLive && options.failFast
          ? new CliError(EXIT.connection, `cannot connect to ${where}: ${change.why}`)
          : new CliError(
              EXIT.connection,
              `gave up on ${where} after ${status.retryCount} ${status.retryCount === 1 ? 'retry' : 'retries'}: ${change.why}`,
            ),
      );
    });
  });
  return { connection, target, fatal, onChange: (listener) => listeners.push(listener) };
}
