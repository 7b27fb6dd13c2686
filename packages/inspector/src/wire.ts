/**
 * The messages producers send to the inspector: `@statelyai/inspect`'s WebSocket format (one JSON
 * object per text frame) plus ddpx's server summaries. Documented in docs/inspector.md.
 */

/** A pending delayed event of an actor (a ddpx extension of snapshot and actor messages). */
export interface WireTimer {
  /** The delayed event's id (e.g. `ddpClient.waiting.backoff`). */
  readonly id: string;
  /** The event it will send. */
  readonly event: string;
  /** Its delay, ms. */
  readonly delay: number;
  /** When it fires, epoch ms. */
  readonly dueAt: number;
}

/** `@xstate.actor`: an actor was created (or is introduced late), with its definition and snapshot. */
export interface ActorMessage {
  readonly type: '@xstate.actor';
  readonly sessionId: string;
  readonly name?: string;
  readonly parentId?: string;
  readonly rootId?: string;
  /** The machine config, JSON-stringified (functions as `{ type: name }`). */
  readonly definition?: string;
  readonly snapshot?: unknown;
  readonly timers?: readonly WireTimer[];
  readonly createdAt?: string;
}

/** `@xstate.event`: an event sent to an actor. */
export interface EventMessage {
  readonly type: '@xstate.event';
  readonly sessionId: string;
  readonly event: { readonly type: string; readonly [key: string]: unknown };
  readonly sourceId?: string;
  readonly createdAt?: string;
}

/** `@xstate.snapshot`: an actor's snapshot after an event. */
export interface SnapshotMessage {
  readonly type: '@xstate.snapshot';
  readonly sessionId: string;
  readonly snapshot: unknown;
  readonly event?: { readonly type: string; readonly [key: string]: unknown };
  readonly timers?: readonly WireTimer[];
  readonly createdAt?: string;
}

/** One server session as the server's link summarises it. */
export interface SessionSummary {
  readonly id: string;
  readonly clientAddress: string | null;
  readonly transport: string;
  /** The session chart's state as a dotted path (`established.idle`, `detached`, `closed`). */
  readonly state: string;
  /** When the session entered its top-level state, epoch ms. */
  readonly since: number;
  /** While detached: when its grace period ends, epoch ms. */
  readonly graceEndsAt?: number;
  /** How many times it was resumed. */
  readonly resumes: number;
  /** Why it closed (closed sessions only). */
  readonly closeReason?: string;
  readonly subscriptions: number;
  readonly methodsInFlight: number;
  /** Output held for the client: the socket's write buffer plus the replay buffer, bytes. */
  readonly bufferedBytes: number;
}

/** Counts of a server at one instant. */
export interface ServerCounts {
  /** Live sessions by top-level state. */
  readonly byState: Readonly<Record<string, number>>;
  /** Resumes since the server started. */
  readonly resumes: number;
  /** Closed sessions by reason since the server started. */
  readonly closes: Readonly<Record<string, number>>;
}

/** `@ddpx.server`: a ddpx server announces itself. */
export interface ServerMessage {
  readonly type: '@ddpx.server';
  readonly serverId: string;
  readonly name: string;
  readonly startedAt: number;
  readonly gracePeriodMs: number;
  /** How often the server sends `@ddpx.sessions`, ms. */
  readonly intervalMs: number;
}

/** `@ddpx.sessions`: the sessions that changed since the last batch, and the counts now. */
export interface SessionsMessage {
  readonly type: '@ddpx.sessions';
  readonly serverId: string;
  readonly at: number;
  readonly sessions: readonly SessionSummary[];
  readonly counts: ServerCounts;
  /** Summaries the server could not send (the inspector unreachable), since it started. */
  readonly dropped?: number;
}

/** Everything a producer sends. */
export type WireMessage = ActorMessage | EventMessage | SnapshotMessage | ServerMessage | SessionsMessage;

/** `@ddpx.focus`: the inspector asks a server to stream one session's full chart (null: none). */
export interface FocusMessage {
  readonly type: '@ddpx.focus';
  readonly sessionId: string | null;
}

/** Parses one producer frame; undefined when it is not a message the inspector knows. */
export function parseWireMessage(text: string): WireMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const m = value as { type?: unknown; sessionId?: unknown; serverId?: unknown };
  switch (m.type) {
    case '@xstate.actor':
    case '@xstate.snapshot':
      return typeof m.sessionId === 'string' ? (value as WireMessage) : undefined;
    case '@xstate.event': {
      const e = (value as { event?: { type?: unknown } }).event;
      return typeof m.sessionId === 'string' && typeof e?.type === 'string'
        ? (value as WireMessage)
        : undefined;
    }
    case '@ddpx.server':
      return typeof m.serverId === 'string' ? (value as WireMessage) : undefined;
    case '@ddpx.sessions':
      return typeof m.serverId === 'string' && Array.isArray((value as { sessions?: unknown }).sessions)
        ? (value as WireMessage)
        : undefined;
    default:
      return undefined;
  }
}
