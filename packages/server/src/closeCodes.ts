import type { CloseReason } from '@ddpx/statecharts';
import { CloseCode } from './serverSocket.js';

/** The WebSocket close code each close reason uses (SockJS maps them into 4000–4999). */
export function closeCodeFor(reason: CloseReason | undefined): number {
  switch (reason) {
    case 'payload-too-large':
      return CloseCode.messageTooBig;
    case 'protocol-error':
      return CloseCode.protocolError;
    case 'queue-overflow':
    case 'slow-consumer':
    case 'buffer-overflow':
    case 'rate-limited':
      return CloseCode.policyViolation;
    case 'server-close':
    case 'moved':
      return CloseCode.goingAway;
    case 'server-full':
    case 'evicted':
      return CloseCode.tryAgainLater;
    default:
      return CloseCode.normal;
  }
}
