import type { DDPVersion } from './messages.js';

/** The DDP versions ddpx speaks, most preferred first (Meteor's `SUPPORTED_DDP_VERSIONS`). */
export const SUPPORTED_DDP_VERSIONS: readonly DDPVersion[] = Object.freeze(['1', 'pre2', 'pre1'] as const);

/**
 * The server's version choice: the first entry of the client's list that the server supports,
 * or the server's first version when they share none.
 */
export function calculateVersion(
  clientSupport: readonly string[],
  serverSupport: readonly string[] = SUPPORTED_DDP_VERSIONS,
): string {
  for (const version of clientSupport) {
    if (serverSupport.includes(version)) return version;
  }
  const first = serverSupport[0];
  if (first === undefined) throw new RangeError('serverSupport must name at least one version');
  return first;
}

/** Whether a version has DDP heartbeats (`pre1` has no ping/pong). */
export function hasHeartbeat(version: string): boolean {
  return version !== 'pre1';
}
