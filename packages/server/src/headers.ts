import { isIP } from 'node:net';

/** The request headers a connection exposes (sockjs 0.3.24's whitelist, used on both transports). */
export const HEADER_WHITELIST: readonly string[] = Object.freeze([
  'referer',
  'x-client-ip',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-cluster-client-ip',
  'via',
  'x-real-ip',
  'x-forwarded-proto',
  'x-ssl',
  'dnt',
  'host',
  'user-agent',
  'accept-language',
]);

/** Copies only the whitelisted headers that are present; `cookie` and `authorization` never pass. */
export function whitelistHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of HEADER_WHITELIST) {
    const value = headers[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
    else if (Array.isArray(value) && value.length > 0) out[key] = value.join(', ');
  }
  return out;
}

/**
 * The client's address, computed once per session. With `forwardedCount` n = 0 it is the socket's
 * address. Otherwise it is the n-th entry of `x-forwarded-for` counted from the right (Meteor ≤ 3.2's
 * rule; see docs/server.md for why): entries further left were written by the client and are ignored.
 * Fewer than n entries, a negative n, or an entry that is not an IP address give null.
 */
export function clientAddressOf(
  remoteAddress: string | undefined,
  headers: Record<string, string | undefined>,
  forwardedCount: number,
): string | null {
  const n = Number.isFinite(forwardedCount) ? Math.trunc(forwardedCount) : 0;
  if (n === 0) return remoteAddress ?? null;
  if (n < 0) return null;
  const header = headers['x-forwarded-for'];
  if (typeof header !== 'string') return null;
  const entries = header.trim().split(/\s*,\s*/);
  if (n > entries.length) return null;
  const entry = entries[entries.length - n];
  return entry !== undefined && isIP(entry) !== 0 ? entry : null;
}
