/**
 * The server-steered reconnect hint, a ddpx extension carried in the WebSocket close reason.
 *
 * A draining ddpx server closes each socket with a reason such as `server-close;retry-in=1830`: "come
 * back in 1,830 ms". The text before `;` is the close reason every peer already sees; the suffix is
 * ignored by Meteor's client and by other DDP clients, which do not read close reasons at all. The
 * delay is relative (no clock is shared) and counts from when the close arrives.
 */

/** The separator and key that introduce the hint in a close reason. */
const HINT_PREFIX = ';retry-in=';
/** The hint's exact shape at the end of a reason: whole milliseconds, at most 9 digits (~11.5 days). */
const HINT_PATTERN = /;retry-in=(\d{1,9})$/;

/** The close reason `reason` with a "come back in `retryInMs`" hint appended (rounded to whole ms, never negative). */
export function withRetryHint(reason: string, retryInMs: number): string {
  const ms = Math.max(0, Math.min(999_999_999, Math.round(retryInMs)));
  return `${reason}${HINT_PREFIX}${ms}`;
}

/** The hint's delay in ms from a close reason, or `undefined` when it carries none (or a malformed one). */
export function parseRetryHint(reason: string | undefined): number | undefined {
  if (reason === undefined || !reason.includes(HINT_PREFIX)) return undefined;
  const match = HINT_PATTERN.exec(reason);
  return match ? Number(match[1]) : undefined;
}
