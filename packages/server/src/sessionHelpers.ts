import type { ClientMessage } from '@ddpx/protocol';
import type { ResumeRequest } from './resumption.js';
import { CloseCode } from './serverSocket.js';
import type { CloseReason } from './types.js';

/** Longest `resumeToken` read from a `connect`; longer ones are ignored (ours are 24 characters). */
const MAX_TOKEN_LENGTH = 64;

/** The fields of a (possibly malformed) `connect` the session machine and the resume decision read. */
export function connectRequest(m: Record<string, unknown> | ClientMessage): ResumeRequest {
  const r = m as Record<string, unknown>;
  const token = r.resumeToken;
  return {
    version: r.version,
    support: r.support,
    session: typeof r.session === 'string' ? r.session : undefined,
    receivedCount: typeof r.receivedCount === 'number' ? r.receivedCount : undefined,
    resumeToken: typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? token : undefined,
  };
}

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
