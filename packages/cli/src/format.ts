import type { ClientStatus } from '@ddpx/client';

/** `HH:MM:SS.mmm` of an epoch time, for log lines. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Seconds until `retryTime`, rounded up, never negative. */
export function secondsUntil(retryTime: number, now: number): number {
  return Math.max(0, Math.ceil((retryTime - now) / 1000));
}

/** One human line for a status object (`connected`, `waiting  retry #2 in 3s`, `failed  <reason>`). */
export function describeStatus(status: ClientStatus, now: number, extra = ''): string {
  const name = status.status.padEnd(10);
  let detail = '';
  if (status.status === 'waiting' && status.retryTime !== undefined) {
    detail = `retry #${status.retryCount + 1} in ${formatDelay(status.retryTime - now)}`;
  } else if (status.status === 'connecting' && status.retryCount > 0) {
    detail = `attempt #${status.retryCount + 1}`;
  } else if (status.status === 'failed' && status.reason) {
    detail = status.reason;
  }
  return `[${clock(now)}] ${name} ${[detail, extra].filter(Boolean).join('  ')}`.trimEnd();
}

/** JSON for printing: Dates as ISO strings, binary as base64, undefined fields dropped. */
export function toJson(value: unknown, pretty = false): string {
  return (
    JSON.stringify(
      value,
      (_key, v: unknown) => (v instanceof Uint8Array ? { $binary: Buffer.from(v).toString('base64') } : v),
      pretty ? 2 : undefined,
    ) ?? 'undefined'
  );
}

/** A delay for people: `10 ms`, `2.2s`, `34s`. */
export function formatDelay(ms: number): string {
  const d = Math.max(0, ms);
  if (d < 1000) return `${Math.round(d)} ms`;
  if (d < 10_000) return `${(d / 1000).toFixed(1)}s`;
  return `${Math.round(d / 1000)}s`;
}
