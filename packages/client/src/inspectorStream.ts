import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import type { WebSocketConstructor, WebSocketLike } from './websocketTransport.js';

// The inspector stream proper: serialisation, the socket, its bounded buffer and its retries. Only
// `InspectorLink` (inspectorLink.ts) loads this file, with a dynamic import, so an app that never
// streams to an inspector never loads it (it is a chunk of its own in a browser bundle): nothing here
// may be imported statically from the package's entry.

const OPEN = 1;
const VERSION = '1.0.0';
const MAX_RETRY_MS = 10_000;
const MAX_SOCKET_BACKLOG = 4 * 1024 * 1024;

/** A scheduled delayed event of an actor system, as `system.getSnapshot()._scheduledEvents` holds it. */
interface ScheduledLike {
  readonly id: string;
  readonly delay: number;
  readonly startedAt: number;
  readonly event: { readonly type: string };
  readonly source?: { readonly sessionId: string };
}

const SECRET = /token|secret|password|authorization|cookie/i;

/**
 * JSON of anything: functions become `{ type: name }`, errors their message, cycles `"[circular]"`,
 * and values under keys that name a credential (`resumeToken`, `password`, ...) `"[redacted]"`.
 */
export function inspectorJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (key, v: unknown) => {
    if (key && SECRET.test(key) && v !== undefined && v !== null) return '[redacted]';
    if (typeof v === 'function') return { type: v.name || 'anonymous' };
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message, ...(v as object) };
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

function timersOf(actor: AnyActorRef): Array<{ id: string; event: string; delay: number; dueAt: number }> {
  const scheduled = (actor.system.getSnapshot() as { _scheduledEvents?: Record<string, ScheduledLike> })
    ._scheduledEvents;
  if (!scheduled) return [];
  const out = [];
  for (const s of Object.values(scheduled)) {
    if (s.source && s.source.sessionId !== actor.sessionId) continue;
    out.push({ id: s.id, event: s.event.type, delay: s.delay, dueAt: s.startedAt + s.delay });
  }
  return out;
}

/** The `@statelyai/inspect` wire form of an actor registration (plus ddpx's `timers`). */
export function actorMessage(actor: AnyActorRef, rootId: string | undefined): Record<string, unknown> {
  const config = (actor as { logic?: { config?: { id?: string } } }).logic?.config;
  return {
    type: '@xstate.actor',
    name: config?.id ?? actor.id,
    sessionId: actor.sessionId,
    parentId: (actor as { _parent?: AnyActorRef })._parent?.sessionId,
    rootId,
    definition: config ? inspectorJson(config) : undefined,
    snapshot: actor.getSnapshot(),
    timers: timersOf(actor),
    createdAt: Date.now().toString(),
    _version: VERSION,
    id: null,
  };
}

/** Converts one XState inspection event to the JSON object `createWebSocketInspector` sends. */
export function toWireMessage(e: InspectionEvent): Record<string, unknown> | undefined {
  const base = { sessionId: e.actorRef.sessionId, rootId: e.rootId, createdAt: Date.now().toString() };
  switch (e.type) {
    case '@xstate.actor':
      return actorMessage(e.actorRef as AnyActorRef, e.rootId);
    case '@xstate.event':
      return {
        ...base,
        type: '@xstate.event',
        event: e.event,
        sourceId: e.sourceRef?.sessionId,
        _version: VERSION,
      };
    case '@xstate.snapshot':
      return {
        ...base,
        type: '@xstate.snapshot',
        event: e.event,
        snapshot: e.snapshot,
        timers: timersOf(e.actorRef as AnyActorRef),
        _version: VERSION,
      };
    default:
      return undefined; // microsteps and actions: the snapshots already carry their outcome
  }
}

/**
 * What `InspectorLink` runs once loaded: streams inspection events to the inspector at `url`. Never
 * throws into or blocks its host: while the inspector is unreachable, messages wait in a bounded
 * buffer (the oldest are dropped and counted in {@link dropped}) and the stream retries; on every
 * (re)connect it first re-registers the actors it knows with their current snapshot.
 */
export class InspectorStream {
  /** Messages dropped because the buffer was full (the inspector unreachable for long). */
  dropped = 0;
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly maxBuffered: number;
  private readonly retryMs: number;
  private readonly buffer: string[] = [];
  private readonly actors = new Map<string, { actor: AnyActorRef; rootId: string | undefined }>();
  private socket: WebSocketLike | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    readonly url: string,
    WebSocketClass: WebSocketConstructor,
    maxBuffered: number,
    retryMs: number,
  ) {
    this.WebSocketClass = WebSocketClass;
    this.maxBuffered = maxBuffered;
    this.retryMs = retryMs;
    this.open();
  }

  /** Knows an actor (re-registered on every connect) without sending anything now. */
  register(actor: AnyActorRef, rootId: string | undefined): void {
    this.actors.set(actor.sessionId, { actor, rootId });
  }

  /** The XState observer the link hands every inspection event to. */
  readonly observer: Observer<InspectionEvent> = {
    next: (e) => {
      try {
        if (e.type === '@xstate.actor')
          this.actors.set(e.actorRef.sessionId, { actor: e.actorRef as AnyActorRef, rootId: e.rootId });
        // DDP.ACTIVITY marks every inbound DDP message (it feeds the heartbeat): only its rare snapshots
        // that change the state are worth a message.
        if (e.type === '@xstate.event' && e.event.type === 'DDP.ACTIVITY') return;
        if (e.type === '@xstate.snapshot' && e.event.type === 'DDP.ACTIVITY') return;
        const message = toWireMessage(e);
        if (message) this.send(inspectorJson(message));
        // `connection.close()` is for good: the link goes with it, so it never holds a process open.
        if (e.type === '@xstate.snapshot' && e.event.type === 'CLOSE' && e.actorRef.sessionId === e.rootId)
          this.close();
      } catch {
        // an unserializable snapshot must never reach the actor
      }
    },
  };

  /** Introduces an already running actor (late attachment): registers it with its current snapshot. */
  introduce(actor: AnyActorRef): void {
    const rootId = actor.sessionId;
    const visit = (ref: AnyActorRef) => {
      this.actors.set(ref.sessionId, { actor: ref, rootId });
      this.send(inspectorJson(actorMessage(ref, rootId)));
      const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children;
      for (const child of Object.values(children ?? {})) if (child) visit(child);
    };
    visit(actor);
  }

  /** Stops the link: sends what is buffered if connected, then closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (socket && socket.readyState === OPEN) for (const m of this.buffer.splice(0)) socket.send(m);
    try {
      socket?.close(1000);
    } catch {
      // already closed
    }
  }

  private send(message: string): void {
    const socket = this.socket;
    if (socket && socket.readyState === OPEN && this.buffer.length === 0) {
      // An inspector that does not keep up is treated as unreachable: never an unbounded socket buffer.
      if (((socket as { bufferedAmount?: number }).bufferedAmount ?? 0) > MAX_SOCKET_BACKLOG) {
        this.dropped++;
        return;
      }
      socket.send(message);
      return;
    }
    this.buffer.push(message);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.shift();
      this.dropped++;
    }
  }

  private open(): void {
    if (this.closed) return;
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      // Actors first (a restarted inspector knows nothing), then what waited.
      const waiting = this.buffer.splice(0);
      for (const { actor, rootId } of this.actors.values()) {
        if (actor.getSnapshot().status === 'active') socket.send(inspectorJson(actorMessage(actor, rootId)));
      }
      for (const m of waiting) socket.send(m);
    };
    socket.onmessage = null;
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket === socket) this.socket = undefined;
      this.retry();
    };
  }

  private retry(): void {
    if (this.closed) return;
    const delay = Math.min(MAX_RETRY_MS, this.retryMs * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => this.open(), delay);
    (this.retryTimer as { unref?: () => void }).unref?.();
  }
}
