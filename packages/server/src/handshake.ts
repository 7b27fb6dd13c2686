import type { ClientMessage, ConnectedMessage } from '@ddpx/protocol';
import type { ResumeVerdict } from '@ddpx/statecharts';
import type { ResumeRequest } from './resumption.js';

/** Longest `resumeToken` read from a `connect`; longer ones are ignored (ours are 24 characters). */
const MAX_TOKEN_LENGTH = 64;

/**
 * The handshake, server side: what a (possibly malformed) `connect` asks for, and the `connected`
 * that answers it. Version negotiation and the handshake timeout are the session chart's
 * (`negotiateVersion`, `awaitingConnect`); the resume decision is `resumption.ts`.
 */
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

/** The `connected` for session `id`: the resume outcome when the client asked to resume, and the next token. */
export function connectedMessage(
  id: string,
  outcome: ResumeVerdict | undefined,
  resumeToken: string | undefined,
): ConnectedMessage {
  const message: ConnectedMessage = { msg: 'connected', session: id };
  if (outcome) message.resumeReason = outcome;
  if (resumeToken !== undefined) message.resumeToken = resumeToken;
  return message;
}
