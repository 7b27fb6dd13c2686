import type { ClientMessage } from '@ddpx/protocol';
import type { ConnectRequest } from '@ddpx/statecharts';
import type { CloseReason } from './types.js';

/** The fields of a (possibly malformed) `connect` the session machine reads. */
export function connectRequest(m: Record<string, unknown> | ClientMessage): ConnectRequest {
  const r = m as Record<string, unknown>;
  return {
    version: r.version,
    support: r.support,
    session: typeof r.session === 'string' ? r.session : undefined,
    receivedCount: typeof r.receivedCount === 'number' ? r.receivedCount : undefined,
  };
}

/** The WebSocket close code each close reason uses. */
export function closeCodeFor(reason: CloseReason | undefined): number {
  switch (reason) {
    case 'payload-too-large':
      return 1009;
    case 'protocol-error':
      return 1002;
    case 'queue-overflow':
    case 'slow-consumer':
    case 'buffer-overflow':
      return 1008;
    case 'server-close':
      return 1001;
    default:
      return 1000;
  }
}
