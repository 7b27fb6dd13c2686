import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import type { InspectorStream } from './inspectorStream.js';
import { resolveWebSocket, type WebSocketConstructor } from './websocketTransport.js';

/** What `inspect` accepts: an XState inspection observer (or function), or an inspector's `ws://` URL. */
export type InspectTarget = string | Observer<InspectionEvent> | ((event: InspectionEvent) => void);

/** Options of {@link InspectorLink}. */
export interface InspectorLinkOptions {
  /** The WebSocket constructor. @default `ws` in Node, the global `WebSocket` elsewhere */
  WebSocket?: WebSocketConstructor;
  /** Messages held while the inspector is unreachable; older ones are dropped (and counted). @default 1000 */
  maxBuffered?: number;
  /** Delay before trying an unreachable inspector again, doubled up to 10 s. @default 1000 */
  retryMs?: number;
}

// The stream's code (serialisation, socket, retries: about 3.5 KB minified) is loaded on first use, so
// an app that never inspects does not carry it: a few milliseconds in Node, one small request in a
// browser. Until it is in, the link holds what it would have buffered anyway (the inspector's socket
// is not open yet either), under the same bound.
const loadStream = () => import('./inspectorStream.js');

/** One held step before the stream's code is in: an inspection event, or a late `introduce`. */
type Held = { event: InspectionEvent } | { introduce: AnyActorRef };

/** Whether an inspection event becomes a message (the stream skips microsteps, actions and DDP.ACTIVITY). */
function streamed(e: InspectionEvent): boolean {
  if (e.type === '@xstate.actor') return true;
  if (e.type !== '@xstate.event' && e.type !== '@xstate.snapshot') return false;
  return e.event.type !== 'DDP.ACTIVITY';
}

/**
 * Streams an actor system's inspection events to a ddpx inspector (or any receiver of
 * `@statelyai/inspect`'s WebSocket format) at `url`. Never throws into or blocks its host: while the
 * inspector is unreachable, messages wait in a bounded buffer (the oldest are dropped and counted in
 * {@link dropped}) and the link retries; on every (re)connect it first re-registers the actors it
 * knows with their current snapshot, so a restarted inspector draws them at once.
 */
export class InspectorLink {
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly maxBuffered: number;
  private readonly retryMs: number;
  private stream: InspectorStream | undefined;
  private held: Held[] | undefined = [];
  private heldEvents = 0;
  private droppedWhileLoading = 0;
  private readonly actors: { actor: AnyActorRef; rootId: string | undefined }[] = [];
  private closed = false;

  constructor(
    readonly url: string,
    options: InspectorLinkOptions = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`inspect: '${url}' is not a URL (expected ws://host:port)`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')
      throw new TypeError(`inspect: '${url}' must be a ws:// or wss:// URL`);
    this.WebSocketClass = resolveWebSocket(options.WebSocket);
    this.maxBuffered = options.maxBuffered ?? 1000;
    this.retryMs = options.retryMs ?? 1000;
    loadStream().then(
      ({ InspectorStream }) => this.started(InspectorStream),
      () => {
        this.held = undefined; // no stream code, no inspection: never the host's problem
      },
    );
  }

  /** Messages dropped because the buffer was full (the inspector unreachable for long). */
  get dropped(): number {
    return this.stream ? this.stream.dropped : this.droppedWhileLoading;
  }

  /** The XState observer to pass as `createActor(machine, { inspect })`. */
  readonly observer: Observer<InspectionEvent> = {
    next: (e) => {
      if (this.stream) return this.stream.observer.next?.(e);
      try {
        if (!this.held || !streamed(e)) return;
        if (e.type === '@xstate.actor') {
          this.actors.push({ actor: e.actorRef as AnyActorRef, rootId: e.rootId });
          // The stream registers the actor, but has no message for one without a snapshot yet (xstate's
          // development build throws for it): the actor is announced on connect all the same.
          e.actorRef.getSnapshot();
        }
        this.held.push({ event: e });
        if (++this.heldEvents > this.maxBuffered) this.dropOldest();
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
    if (this.stream) this.stream.introduce(actor);
    else this.held?.push({ introduce: actor });
  }

  /** Stops the link: sends what is buffered if connected, then closes the socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = undefined; // not connected yet: nothing could have been sent
    this.stream?.close();
  }

  private dropOldest(): void {
    const oldest = this.held!.findIndex((h) => 'event' in h);
    this.held!.splice(oldest, 1);
    this.heldEvents--;
    this.droppedWhileLoading++;
  }

  /** The stream's code is in: it takes over, first hearing what was held, in order. */
  private started(Stream: typeof InspectorStream): void {
    const held = this.held;
    this.held = undefined;
    if (this.closed || !held) return;
    const stream = new Stream(this.url, this.WebSocketClass, this.maxBuffered, this.retryMs);
    stream.dropped = this.droppedWhileLoading;
    for (const { actor, rootId } of this.actors) stream.register(actor, rootId);
    for (const h of held) {
      if ('event' in h) stream.observer.next?.(h.event);
      else stream.introduce(h.introduce);
    }
    this.stream = stream;
  }
}

/** Resolves an `inspect` option: a URL becomes a new {@link InspectorLink}'s observer. */
export function inspectObserver(
  target: InspectTarget,
  options?: InspectorLinkOptions,
): { observer: Observer<InspectionEvent> | ((event: InspectionEvent) => void); link?: InspectorLink } {
  if (typeof target !== 'string') return { observer: target };
  const link = new InspectorLink(target, options);
  return { observer: link.observer, link };
}

/**
 * Attaches an inspector to a running actor (`connection.inspect`): a URL opens a link that first
 * replays the actor and its current snapshot; an observer gets the same replay as `@xstate.actor` and
 * `@xstate.snapshot` events. Returns the function that detaches it (and closes the link).
 */
export function attachInspector(
  actor: AnyActorRef,
  target: InspectTarget,
  options?: InspectorLinkOptions,
): () => void {
  const { observer, link } = inspectObserver(target, options);
  if (link) link.introduce(actor);
  else {
    const next = typeof observer === 'function' ? observer : (e: InspectionEvent) => observer.next?.(e);
    const rootId = actor.sessionId;
    next({ type: '@xstate.actor', actorRef: actor, rootId });
    next({
      type: '@xstate.snapshot',
      actorRef: actor,
      rootId,
      snapshot: actor.getSnapshot(),
      event: { type: 'xstate.init' },
    } as InspectionEvent);
  }
  const subscription = actor.system.inspect(observer);
  return () => {
    subscription.unsubscribe();
    link?.close();
  };
}
