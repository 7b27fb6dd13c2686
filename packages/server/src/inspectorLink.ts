import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serverSessionMachine } from '@ddpx/statecharts';
import WebSocket from 'ws';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { CloseCode } from './closeCodes.js';
import type { ResolvedOptions } from './options.js';

/** What the link reads of a session (a {@link Session} fits). */
export interface InspectedSession {
  readonly id: string;
  readonly transport: string;
  readonly connection: { readonly clientAddress: string | null };
  /** Subscriptions, methods in flight and output held, read once per interval. */
  inspectStats(): { subscriptions: number; methodsInFlight: number; bufferedBytes: number };
}

/** Called by a session's machine runner after every step it takes. */
export type SessionStepHook = (snapshot: AnyMachineSnapshot, event: EventObject) => void;

/** Options of {@link ServerInspectorLink}. */
export interface ServerInspectorLinkOptions {
  /** How often changed session summaries are sent, ms. @default 1000 */
  intervalMs?: number;
  /** Delay before trying an unreachable inspector again, ms. @default 2000 */
  retryMs?: number;
  /** Most session summaries in one batch; the rest go in the next ones (counts are always whole). @default 2000 */
  maxPerBatch?: number;
}

interface Watched {
  readonly session: InspectedSession;
  top: string;
  state: string;
  since: number;
  changedAt: number;
  resumes: number;
  closeReason: string | undefined;
  stats: string; // the last stats sent
  dirty: boolean;
  snapshot: AnyMachineSnapshot | undefined;
}

const OPEN = 1;
const MAX_SOCKET_BACKLOG = 8 * 1024 * 1024;
const NO_STATS = { subscriptions: 0, methodsInFlight: 0, bufferedBytes: 0 };
const VERSION = '1.0.0';
const SECRET = /token|secret|password|authorization|cookie/i;

/** JSON for the inspector: functions as `{ type: name }`, credentials redacted, cycles cut. */
export function inspectorJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (key, v: unknown) => {
    if (key && SECRET.test(key) && v !== undefined && v !== null) return '[redacted]';
    if (typeof v === 'function') return { type: v.name || 'anonymous' };
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '';
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  const rest = statePath(child);
  return rest ? `${key}.${rest}` : key;
}

/**
 * Sends a server's sessions to a ddpx inspector, summarised so thousands of sessions cost little: a
 * session's step only compares its top-level state with the last one (no allocation); once per
 * `intervalMs` the link sends the sessions whose top-level state or stats changed, and the counts
 * (sessions by state, resumes, closes by reason). Only the one session the inspector focuses on is
 * streamed in full (every event and snapshot, as `@statelyai/inspect` sends them). While the
 * inspector is unreachable nothing is buffered: batches are counted as dropped, and on reconnect the
 * whole table is sent again.
 */
export class ServerInspectorLink {
  /** Batches not sent because the inspector was unreachable. */
  dropped = 0;
  private readonly serverId = randomBytes(6).toString('hex');
  private readonly watched = new Map<string, Watched>();
  private readonly closedNow: Watched[] = [];
  private readonly closes: Record<string, number> = {};
  private resumes = 0;
  private focused: string | undefined;
  private socket: WebSocket | undefined;
  private readonly interval: ReturnType<typeof setInterval>;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly intervalMs: number;
  private readonly retryMs: number;
  private readonly maxPerBatch: number;
  private closed = false;
  private announced: string | undefined;
  private readonly startedAt = Date.now();

  constructor(
    readonly url: string,
    private readonly options: ResolvedOptions,
    linkOptions: ServerInspectorLinkOptions = {},
    private readonly httpServer?: () => { address(): AddressInfo | string | null } | undefined,
  ) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new TypeError(`inspect: '${url}' is not a URL (expected ws://host:port)`);
    }
    if (protocol !== 'ws:' && protocol !== 'wss:')
      throw new TypeError(`inspect: '${url}' must be a ws:// or wss:// URL`);
    this.intervalMs = linkOptions.intervalMs ?? 1000;
    this.retryMs = linkOptions.retryMs ?? 2000;
    this.maxPerBatch = linkOptions.maxPerBatch ?? 2000;
    this.interval = setInterval(() => this.flush(), this.intervalMs);
    this.interval.unref();
    this.open();
  }

  /** Starts watching a session; returns the hook its runner calls after every step. */
  watch(session: InspectedSession): SessionStepHook {
    const now = Date.now();
    const w: Watched = {
      session,
      top: '',
      state: '',
      since: now,
      changedAt: now,
      resumes: 0,
      closeReason: undefined,
      stats: '',
      dirty: true,
      snapshot: undefined,
    };
    this.watched.set(session.id, w);
    return (snapshot, event) => {
      try {
        this.step(w, snapshot, event);
      } catch {
        // inspection must never break a session
      }
    };
  }

  /** Stops the link and closes its socket. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.interval);
    clearTimeout(this.retryTimer);
    this.socket?.close(CloseCode.normal);
  }

  private step(w: Watched, snapshot: AnyMachineSnapshot, event: EventObject): void {
    const value = snapshot.value;
    const top = typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
    if (top !== w.top) {
      if (top === 'established' && w.top === 'detached') {
        w.resumes++;
        this.resumes++;
      }
      w.top = top;
      w.since = Date.now();
      w.dirty = true;
      if (snapshot.status !== 'active') {
        w.closeReason = (snapshot.context as { closeReason?: string }).closeReason;
        if (top === 'closed')
          this.closes[w.closeReason ?? 'unknown'] = (this.closes[w.closeReason ?? 'unknown'] ?? 0) + 1;
        this.watched.delete(w.session.id);
        this.closedNow.push(w);
      }
    }
    if (this.focused === w.session.id) {
      w.state = statePath(value);
      w.changedAt = Date.now();
      this.sendFocused(w, snapshot, event);
    }
    w.snapshot = snapshot;
  }

  private summary(w: Watched, at: number) {
    const stats = w.top === 'closed' || w.top === 'handedOff' ? undefined : w.session.inspectStats();
    const snapshot = w.snapshot;
    return {
      id: w.session.id,
      clientAddress: w.session.connection.clientAddress,
      transport: w.session.transport,
      state: snapshot ? statePath(snapshot.value) : w.top,
      since: w.since,
      ...(w.top === 'detached' ? { graceEndsAt: w.since + this.options.resume.gracePeriodMs } : {}),
      resumes: w.resumes,
      ...(w.closeReason ? { closeReason: w.closeReason } : {}),
      subscriptions: stats?.subscriptions ?? 0,
      methodsInFlight: stats?.methodsInFlight ?? 0,
      bufferedBytes: stats?.bufferedBytes ?? 0,
      at,
    };
  }

  private flush(): void {
    if (this.closed) return;
    const socket = this.socket;
    // An inspector that does not keep up counts as unreachable: the socket's buffer stays bounded.
    const connected =
      socket !== undefined && socket.readyState === OPEN && socket.bufferedAmount < MAX_SOCKET_BACKLOG;
    const at = Date.now();
    const byState: Record<string, number> = {};
    const sessions = [];
    const closedNow = this.closedNow.splice(0, this.maxPerBatch);
    for (const w of this.watched.values()) {
      byState[w.top] = (byState[w.top] ?? 0) + 1;
      if (!connected || sessions.length + closedNow.length >= this.maxPerBatch) continue;
      const live = w.top !== 'closed' && w.top !== 'handedOff';
      const { subscriptions, methodsInFlight, bufferedBytes } = live ? w.session.inspectStats() : NO_STATS;
      const stats = `${subscriptions}/${methodsInFlight}/${bufferedBytes}`;
      if (w.dirty || stats !== w.stats) {
        w.stats = stats;
        w.dirty = false;
        sessions.push(this.summary(w, at));
      }
    }
    for (const w of closedNow) if (connected) sessions.push(this.summary(w, at));
    if (!connected) {
      this.dropped++;
      return;
    }
    this.announce(socket);
    const counts = { byState, resumes: this.resumes, closes: { ...this.closes } };
    socket.send(
      inspectorJson({
        type: '@ddpx.sessions',
        serverId: this.serverId,
        at,
        sessions,
        counts,
        dropped: this.dropped,
      }),
    );
  }

  // `@ddpx.server` on connecting, and again when the name changes (once the server listens).
  private announce(socket: WebSocket): void {
    const bound = this.httpServer?.()?.address();
    const address = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : bound;
    const name = `ddpx server ${address ? `${address} ` : ''}(pid ${process.pid})`;
    if (name === this.announced) return;
    this.announced = name;
    socket.send(
      inspectorJson({
        type: '@ddpx.server',
        serverId: this.serverId,
        name,
        startedAt: this.startedAt,
        gracePeriodMs: this.options.resume.gracePeriodMs,
        intervalMs: this.intervalMs,
      }),
    );
  }

  private sendFocused(w: Watched, snapshot: AnyMachineSnapshot, event: EventObject): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return;
    const base = {
      sessionId: w.session.id,
      rootId: w.session.id,
      createdAt: Date.now().toString(),
      _version: VERSION,
    };
    socket.send(inspectorJson({ ...base, type: '@xstate.event', event }));
    socket.send(
      inspectorJson({ ...base, type: '@xstate.snapshot', event, snapshot, timers: this.timers(w, snapshot) }),
    );
  }

  private timers(w: Watched, snapshot: AnyMachineSnapshot) {
    const o = this.options;
    const path = statePath(snapshot.value);
    const t = (id: string, event: string, delay: number, from: number) => ({
      id,
      event,
      delay,
      dueAt: from + delay,
    });
    if (path === 'awaitingConnect')
      return [t('handshakeTimeout', 'after handshakeTimeout', o.handshakeTimeoutMs, w.since)];
    if (path === 'detached') return [t('gracePeriod', 'after gracePeriod', o.resume.gracePeriodMs, w.since)];
    if (path === 'established.idle' && o.heartbeatInterval > 0)
      return [t('heartbeatInterval', 'after heartbeatInterval', o.heartbeatInterval, w.changedAt)];
    if (path === 'established.pinging' || path === 'departing')
      return [t('heartbeatTimeout', 'after heartbeatTimeout', o.heartbeatTimeout, w.changedAt)];
    return [];
  }

  private focus(sessionId: string | null): void {
    this.focused = sessionId ?? undefined;
    const w = sessionId ? this.watched.get(sessionId) : undefined;
    const snapshot = w?.snapshot;
    const socket = this.socket;
    if (!w || !snapshot || !socket || socket.readyState !== OPEN) return;
    w.changedAt = w.since;
    socket.send(
      inspectorJson({
        type: '@xstate.actor',
        name: serverSessionMachine.id,
        sessionId: w.session.id,
        parentId: this.serverId,
        rootId: w.session.id,
        definition: inspectorJson(serverSessionMachine.config),
        snapshot,
        timers: this.timers(w, snapshot),
        createdAt: Date.now().toString(),
        _version: VERSION,
        id: null,
      }),
    );
  }

  private open(): void {
    if (this.closed) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.on('open', () => {
      this.announced = undefined;
      for (const w of this.watched.values()) w.dirty = true; // a (re)started inspector knows nothing
      this.flush();
    });
    socket.on('message', (data) => {
      try {
        const m = JSON.parse(data.toString()) as {
          type?: string;
          serverId?: string;
          sessionId?: string | null;
        };
        if (m.type === '@ddpx.focus' && m.serverId === this.serverId) this.focus(m.sessionId ?? null);
      } catch {
        // not for us
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.retry();
    });
  }

  private retry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => this.open(), this.retryMs);
    this.retryTimer.unref();
  }
}

const links = new WeakMap<ResolvedOptions, ServerInspectorLink>();

/** Opens the link of a server whose `inspect` option is an inspector URL (undefined otherwise). */
export function openInspectorLink(
  options: ResolvedOptions,
  httpServer?: () => { address(): AddressInfo | string | null } | undefined,
): ServerInspectorLink | undefined {
  if (typeof options.inspect !== 'string') return undefined;
  const link = new ServerInspectorLink(options.inspect, options, {}, httpServer);
  links.set(options, link);
  return link;
}

/** The step hook for a new session of a server with an inspector link (undefined without one). */
export function watchSession(
  options: ResolvedOptions,
  session: InspectedSession,
): SessionStepHook | undefined {
  return links.get(options)?.watch(session);
}
