import type { ServerCounts, SessionSummary, SnapshotMessage, WireMessage, WireTimer } from './wire.js';

/** One step of an actor: the snapshot after an event. */
export interface Step {
  /** Position in the actor's history (increasing). */
  readonly seq: number;
  /** When it was received, epoch ms. */
  readonly at: number;
  /** The event that led here (`xstate.init` for the first). */
  readonly event: { readonly type: string; readonly [key: string]: unknown };
  /** The snapshot's state value. */
  readonly value: unknown;
  /** The snapshot's status (`active`, `done`, `error`, `stopped`). */
  readonly status: string;
  /** The snapshot's context (JSON). */
  readonly context: unknown;
  /** Delayed events pending after this step (ddpx producers only). */
  readonly timers: readonly WireTimer[];
}

/** One entry of an actor's event log. */
export interface LogEntry {
  readonly seq: number;
  readonly at: number;
  readonly event: { readonly type: string; readonly [key: string]: unknown };
  readonly sourceId?: string | undefined;
}

/** An actor the inspector knows: a client connection, a focused server session, any XState actor. */
export interface ActorRecord {
  /** `producer/sessionId`: unique across producers (every process numbers its actors from `x:0`). */
  readonly key: string;
  readonly producer: string;
  readonly sessionId: string;
  name: string;
  parentKey?: string | undefined;
  /** The machine config, JSON (absent for actors that are not machines). */
  definition?: string | undefined;
  /** The last steps, oldest first (bounded: {@link MAX_STEPS}). */
  readonly steps: Step[];
  /** The last events, oldest first (bounded: {@link MAX_LOG}). */
  readonly log: LogEntry[];
  /** False once its producer disconnected. */
  live: boolean;
}

/** A ddpx server the inspector knows, with its session table. */
export interface ServerRecord {
  readonly key: string;
  readonly producer: string;
  readonly serverId: string;
  name: string;
  startedAt: number;
  gracePeriodMs: number;
  intervalMs: number;
  /** Every known session, live or recently closed. */
  readonly sessions: Map<string, SessionSummary>;
  counts: ServerCounts;
  /** Counts over time, oldest first (bounded: {@link MAX_SERIES}). */
  readonly series: Array<{ at: number; counts: ServerCounts }>;
  dropped: number;
  live: boolean;
}

/** Steps kept per actor. */
export const MAX_STEPS = 300;
/** Log entries kept per actor. */
export const MAX_LOG = 500;
/** Count samples kept per server. */
export const MAX_SERIES = 600;
/** Closed sessions kept per server (the oldest closed are forgotten first). */
export const MAX_CLOSED = 1000;
/** Actors kept in all; the oldest that are no longer live are forgotten first. */
export const MAX_ACTORS = 500;

const EMPTY_COUNTS: ServerCounts = { byState: {}, resumes: 0, closes: {} };

function snapshotParts(snapshot: unknown): { value: unknown; status: string; context: unknown } {
  const s = (snapshot ?? {}) as { value?: unknown; status?: unknown; context?: unknown };
  return { value: s.value, status: typeof s.status === 'string' ? s.status : 'active', context: s.context };
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/**
 * What the inspector knows, built from producers' messages: the inspector's server keeps one to
 * replay to every page that opens, and each page keeps one to draw from.
 */
export class InspectorModel {
  /** Actors by key, in order of registration. */
  readonly actors = new Map<string, ActorRecord>();
  /** Servers by key. */
  readonly servers = new Map<string, ServerRecord>();
  private seq = 0;
  private closedOrder = new Map<string, string[]>();

  /** Applies one message from `producer`. */
  apply(producer: string, m: WireMessage, at = Date.now()): void {
    switch (m.type) {
      case '@xstate.actor': {
        const key = `${producer}/${m.sessionId}`;
        let actor = this.actors.get(key);
        if (!actor) {
          actor = {
            key,
            producer,
            sessionId: m.sessionId,
            name: m.name ?? m.sessionId,
            steps: [],
            log: [],
            live: true,
          };
          this.actors.set(key, actor);
          this.trimActors();
        }
        actor.name = m.name ?? actor.name;
        actor.live = true;
        if (m.parentId) actor.parentKey = `${producer}/${m.parentId}`;
        if (m.definition) actor.definition = m.definition;
        if (m.snapshot !== undefined)
          this.step(
            actor,
            {
              type: '@xstate.snapshot',
              sessionId: m.sessionId,
              snapshot: m.snapshot,
              ...(m.timers ? { timers: m.timers } : {}),
            },
            at,
            'xstate.init',
          );
        return;
      }
      case '@xstate.event': {
        const actor = this.actors.get(`${producer}/${m.sessionId}`);
        if (actor) push(actor.log, { seq: ++this.seq, at, event: m.event, sourceId: m.sourceId }, MAX_LOG);
        return;
      }
      case '@xstate.snapshot': {
        const actor = this.actors.get(`${producer}/${m.sessionId}`);
        if (actor) this.step(actor, m, at);
        return;
      }
      case '@ddpx.server': {
        const key = `${producer}/${m.serverId}`;
        const server = this.servers.get(key);
        if (server) {
          Object.assign(server, {
            name: m.name,
            startedAt: m.startedAt,
            gracePeriodMs: m.gracePeriodMs,
            intervalMs: m.intervalMs,
            live: true,
          });
          return;
        }
        this.servers.set(key, {
          key,
          producer,
          serverId: m.serverId,
          name: m.name,
          startedAt: m.startedAt,
          gracePeriodMs: m.gracePeriodMs,
          intervalMs: m.intervalMs,
          sessions: new Map(),
          counts: EMPTY_COUNTS,
          series: [],
          dropped: 0,
          live: true,
        });
        return;
      }
      case '@ddpx.sessions': {
        const server = this.servers.get(`${producer}/${m.serverId}`);
        if (!server) return;
        for (const s of m.sessions) {
          // A session that only carried a resume over to an existing one is no session of its own.
          if (s.state === 'handedOff') {
            server.sessions.delete(s.id);
            continue;
          }
          server.sessions.set(s.id, s);
          if (s.state === 'closed') this.noteClosed(server, s.id);
        }
        server.counts = m.counts;
        server.dropped = m.dropped ?? server.dropped;
        push(server.series, { at: m.at, counts: m.counts }, MAX_SERIES);
        return;
      }
    }
  }

  /** The producer's socket closed: its actors and servers stay visible, marked as gone. */
  producerGone(producer: string): void {
    for (const a of this.actors.values()) if (a.producer === producer) a.live = false;
    for (const s of this.servers.values()) if (s.producer === producer) s.live = false;
  }

  /** The messages that rebuild this model in an empty one, in order (what a page is sent on opening). */
  replay(): Array<{ producer: string; message: WireMessage; at: number }> {
    const out: Array<{ producer: string; message: WireMessage; at: number }> = [];
    for (const a of this.actors.values()) {
      out.push({
        producer: a.producer,
        at: a.steps[0]?.at ?? Date.now(),
        message: {
          type: '@xstate.actor',
          sessionId: a.sessionId,
          name: a.name,
          ...(a.parentKey ? { parentId: a.parentKey.slice(a.producer.length + 1) } : {}),
          ...(a.definition ? { definition: a.definition } : {}),
        },
      });
      // Events and steps interleaved in the order they arrived.
      const merged = [
        ...a.log.map((l) => ({
          seq: l.seq,
          at: l.at,
          message: {
            type: '@xstate.event',
            sessionId: a.sessionId,
            event: l.event,
            ...(l.sourceId ? { sourceId: l.sourceId } : {}),
          } as WireMessage,
        })),
        ...a.steps.map((s) => ({ seq: s.seq, at: s.at, message: stepMessage(a.sessionId, s) })),
      ].sort((x, y) => x.seq - y.seq);
      for (const m of merged) out.push({ producer: a.producer, at: m.at, message: m.message });
    }
    for (const s of this.servers.values()) {
      out.push({
        producer: s.producer,
        at: s.startedAt,
        message: {
          type: '@ddpx.server',
          serverId: s.serverId,
          name: s.name,
          startedAt: s.startedAt,
          gracePeriodMs: s.gracePeriodMs,
          intervalMs: s.intervalMs,
        },
      });
      s.series.forEach((point, i) => {
        const last = i === s.series.length - 1;
        out.push({
          producer: s.producer,
          at: point.at,
          message: {
            type: '@ddpx.sessions',
            serverId: s.serverId,
            at: point.at,
            counts: point.counts,
            sessions: last ? [...s.sessions.values()] : [],
            dropped: s.dropped,
          },
        });
      });
    }
    return out;
  }

  private step(actor: ActorRecord, m: SnapshotMessage, at: number, initType?: string): void {
    const { value, status, context } = snapshotParts(m.snapshot);
    const event = m.event ?? { type: initType ?? 'xstate.init' };
    push(
      actor.steps,
      { seq: ++this.seq, at, event, value, status, context, timers: m.timers ?? [] },
      MAX_STEPS,
    );
  }

  private noteClosed(server: ServerRecord, id: string): void {
    let order = this.closedOrder.get(server.key);
    if (!order) {
      order = [];
      this.closedOrder.set(server.key, order);
    }
    if (order.includes(id)) return;
    order.push(id);
    while (order.length > MAX_CLOSED) server.sessions.delete(order.shift()!);
  }

  private trimActors(): void {
    if (this.actors.size <= MAX_ACTORS) return;
    for (const [key, a] of this.actors) {
      if (this.actors.size <= MAX_ACTORS) break;
      if (!a.live) this.actors.delete(key);
    }
  }
}

function stepMessage(sessionId: string, s: Step): WireMessage {
  return {
    type: '@xstate.snapshot',
    sessionId,
    event: s.event,
    snapshot: { value: s.value, status: s.status, context: s.context },
    timers: s.timers,
  };
}
