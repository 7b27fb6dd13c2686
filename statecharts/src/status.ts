import type { StateValue } from 'xstate';
import type { ClientStatus, ClientStatusValue } from './clientConnectionTypes.js';

/** The part of a client machine snapshot that {@link statusFromSnapshot} reads. */
export interface StatusSnapshotLike {
  readonly value: StateValue;
  readonly context: {
    readonly retryCount: number;
    readonly retryTime?: number | undefined;
    readonly reason?: string | undefined;
  };
}

/** The top-level state of a snapshot value (`'connected'` for `{ connected: {...} }`). */
export function topLevelState(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key] = Object.keys(value);
  return key ?? '';
}

/**
 * The state that names Meteor's status: the top-level state, or inside `linked` (the client chart's
 * state that owns the transport) its child, `connecting` or `connected`.
 */
function statusState(value: StateValue): string {
  const top = topLevelState(value);
  if (top !== 'linked' || typeof value === 'string') return top;
  return topLevelState((value as { linked: StateValue }).linked);
}

/**
 * Derives Meteor's status object from a client machine snapshot (§2.1): a new frozen object,
 * `retryTime` only while `waiting`, `reason` only in a permanent failure that carries one.
 */
export function statusFromSnapshot(snapshot: StatusSnapshotLike): ClientStatus {
  const { context } = snapshot;
  switch (statusState(snapshot.value)) {
    case 'connected':
      return Object.freeze({ status: 'connected', connected: true, retryCount: context.retryCount });
    case 'waiting':
      return Object.freeze({
        status: 'waiting',
        connected: false,
        retryCount: context.retryCount,
        ...(context.retryTime === undefined ? {} : { retryTime: context.retryTime }),
      });
    case 'failed': {
      const permanent =
        typeof snapshot.value === 'object' && (snapshot.value as { failed?: unknown }).failed === 'permanent';
      return Object.freeze({
        status: 'failed',
        connected: false,
        retryCount: context.retryCount,
        ...(permanent && context.reason !== undefined ? { reason: context.reason } : {}),
      });
    }
    case 'offline':
      return Object.freeze({ status: 'offline', connected: false, retryCount: 0 });
    default:
      // `connecting` (and the transient `init`, never observable).
      return Object.freeze({
        status: 'connecting' as ClientStatusValue,
        connected: false,
        retryCount: context.retryCount,
      });
  }
}

/** Whether two status objects are equal field by field (to emit `onStatus` only on change). */
export function statusEquals(a: ClientStatus, b: ClientStatus): boolean {
  return (
    a.status === b.status &&
    a.connected === b.connected &&
    a.retryCount === b.retryCount &&
    a.retryTime === b.retryTime &&
    a.reason === b.reason
  );
}

/** DDP-level phase of a client snapshot: whether `connected{session}` arrived on this transport. */
export type SessionPhase = 'none' | 'awaiting-connected' | 'quiescing' | 'live' | 'resumed';

/** Reads the `linked.connected.session` region (`'none'` outside `connected`). */
export function sessionPhase(snapshot: { readonly value: StateValue }): SessionPhase {
  const value = snapshot.value;
  if (typeof value !== 'object' || !('linked' in value)) return 'none';
  const linked = value.linked;
  if (typeof linked !== 'object' || !('connected' in linked)) return 'none';
  const connected = linked.connected as Record<string, StateValue>;
  switch (connected.session) {
    case 'quiescing':
      return 'quiescing';
    case 'live':
      return 'live';
    case 'resumed':
      return 'resumed';
    default:
      return 'awaiting-connected';
  }
}
