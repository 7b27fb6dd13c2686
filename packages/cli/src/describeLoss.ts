import type { CheckedUrl } from './checkUrl.js';

/** What the client recorded about a lost or failed transport (the chart's `context.lastLoss`). */
export interface LossLike {
  readonly code: string;
  readonly closeCode?: number | undefined;
  readonly closeReason?: string | undefined;
  readonly error?: unknown;
}

const TLS_HINT = 'is the server plain http? then use http://, ws:// or ddpi+sockjs://';

/**
 * Words for why a transport went away. `opened` says whether the transport had opened in this attempt:
 * a reset or an HTTP status before that means nothing speaks DDP at that path, not a dropped session.
 */
export function describeLoss(loss: LossLike | undefined, target: CheckedUrl, opened: boolean): string {
  if (!loss) return 'the connection was lost';
  const error = loss.error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : '';
  const expected = target.transport === 'sockjs' ? '/sockjs' : '/websocket';
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running on that port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'EPROTO' || /ssl|tls|certificate/i.test(message)) {
    return target.tls ? `TLS handshake failed (${TLS_HINT})` : `TLS error: ${message}`;
  }
  if (code === 'ECONNRESET' && !opened) {
    return `the server closed the connection during the WebSocket handshake (restarting, or no DDP endpoint at this path? ddpx expects …${expected})`;
  }
  if (code === 'ECONNRESET') return 'connection reset by the server';
  const status = /Unexpected server response: (\d+)/.exec(message);
  if (status) {
    return `the server answered HTTP ${status[1]} instead of a WebSocket (no DDP endpoint at this path? ddpx expects …${expected})`;
  }
  if (loss.code === 'DDP_CONNECT_TIMEOUT') return 'timed out while opening the connection';
  if (loss.code === 'DDP_HEARTBEAT_TIMEOUT') return 'the server stopped answering pings';
  if (target.transport === 'sockjs' && !opened && loss.closeCode === 1002) {
    // sockjs-client reports every failure to open as 1002 "Cannot connect to server"; probeSockjs() finds out more.
    return `could not open a SockJS session at ${target.endpoint}`;
  }
  if (message && message !== 'WebSocket error') return `${message}${code ? ` (${code})` : ''}`;
  if (loss.closeCode !== undefined) {
    return `closed by the server (code ${loss.closeCode}${loss.closeReason ? `, ${loss.closeReason}` : ''})`;
  }
  return `the connection was lost (${loss.code})`;
}
