import type { CloseReason } from '@ddpx/statecharts';

/** The WebSocket close codes the server uses (RFC 6455 §7.4.1, and 1013 from the IANA registry). */
export const CloseCode = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const);

/** The close code each close reason uses: every reason of the chart's closed union, and only those. */
const CODE_BY_REASON = Object.freeze({
  'handshake-timeout': CloseCode.normal,
  'version-mismatch': CloseCode.normal,
  'heartbeat-timeout': CloseCode.normal,
  'client-disconnect': CloseCode.normal,
  'socket-closed': CloseCode.normal,
  'grace-expired': CloseCode.normal,
  'buffer-overflow': CloseCode.policyViolation,
  superseded: CloseCode.normal,
  'slow-consumer': CloseCode.policyViolation,
  'server-close': CloseCode.goingAway,
  'connection-close': CloseCode.normal,
  'payload-too-large': CloseCode.messageTooBig,
  'queue-overflow': CloseCode.policyViolation,
  'protocol-error': CloseCode.protocolError,
  'rate-limited': CloseCode.policyViolation,
  evicted: CloseCode.tryAgainLater,
  'server-full': CloseCode.tryAgainLater,
  // The session goes on on another process: the client reconnects and resumes it there.
  moved: CloseCode.goingAway,
} satisfies Record<CloseReason, number>);

/** The WebSocket close code each close reason uses (SockJS maps them into 4000–4999). */
export function closeCodeFor(reason: CloseReason | undefined): number {
  return reason === undefined ? CloseCode.normal : (CODE_BY_REASON[reason] ?? CloseCode.normal);
}

/** SockJS (faye) accepts only 1000 and 3000–4999: the range other codes are moved into. */
const SOCKJS_APP_CODES = Object.freeze({ min: 3000, max: 4999, base: 4000 } as const);

/**
 * The close code a SockJS peer can carry: sockjs (faye) refuses codes other than 1000 and
 * 3000–4999, so ddpx's 1001–1015 become 4001–4015 (same last digits), with the reason unchanged.
 */
export function sockjsCloseCode(code: number): number {
  if (code === CloseCode.normal || (code >= SOCKJS_APP_CODES.min && code <= SOCKJS_APP_CODES.max))
    return code;
  return SOCKJS_APP_CODES.base + (code % 1000);
}
