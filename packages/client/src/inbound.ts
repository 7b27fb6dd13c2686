import { DDPError, encode, parse, type ServerMessage } from '@ddpx/protocol';
import { type ClientConnectionContext, type ClientConnectionEvent, sessionPhase } from '@ddpx/statecharts';
import type { StateValue } from 'xstate';
import type { DataLayer } from './dataLayer.js';
import type { MethodQueue } from './methodQueue.js';
import type { ResumeLedger, ResumeResult } from './resume.js';
import type { BadInputKind, InputCounters } from './stats.js';
import type { SubscriptionTable } from './subscriptionTable.js';

/** What the inbound path needs from its connection, each part through its own methods. */
export interface InboundHost {
  /** Largest frame accepted, in characters. */
  readonly maxFrameLength: number;
  /** The options every frame is parsed with. */
  readonly parseOptions: { readonly from: 'server'; readonly maxDepth: number };
  readonly counters: InputCounters;
  readonly ledger: ResumeLedger;
  readonly queue: MethodQueue;
  readonly data: DataLayer;
  readonly subs: SubscriptionTable;
  /** The chart: its snapshot, and where its events go. */
  snapshot(): { readonly value: StateValue; readonly context: ClientConnectionContext };
  send(event: ClientConnectionEvent): void;
  /** A method id this connection issued whose callback already ran (a replayed duplicate). */
  finishedMethod(id: string): boolean;
  /** Answers a server ping (unless the server is not reading), when pings are answered at all. */
  pong(frame: string): void;
  readonly respondToPings: boolean;
  /** One handshake's resume outcome, for `lastResume` and `onResume` listeners. */
  resumed(result: ResumeResult): void;
  now(): number;
}

/** Whether the heartbeat region wants to hear about inbound traffic now (at most once per tick). */
function wantsActivity(context: ClientConnectionContext): boolean {
  return (
    !context.inboundSinceTick && context.config.heartbeatInterval > 0 && context.versionSuggestion !== 'pre1'
  );
}

/**
 * The per-message path: size check, parse, `receivedCount`, at most one heartbeat event per tick,
 * then dispatch. Bad input is counted and logged, never thrown.
 */
export function handleFrame(conn: InboundHost, text: string): void {
  const counters = conn.counters;
  counters.received();
  const max = conn.maxFrameLength;
  if (text.length > max)
    return void counters.bad('oversized', `frame of ${text.length} characters (max ${max})`);
  const parsed = parse(text, conn.parseOptions);
  if (!parsed.ok) {
    const offending = parsed.offendingMessage as Record<string, unknown> | undefined;
    if (parsed.kind === 'no-msg' && offending && 'server_id' in offending) return; // Meteor's hello
    return void counters.bad(
      parsed.kind as BadInputKind,
      parsed.detail,
      text.length > 500 ? `${text.slice(0, 500)}…` : text,
    );
  }
  const msg = parsed.message;
  if (msg.msg !== 'ping' && msg.msg !== 'pong') conn.ledger.counted();
  if (wantsActivity(conn.snapshot().context)) conn.send({ type: 'DDP.ACTIVITY' });
  dispatch(conn, msg);
}

function dispatch(conn: InboundHost, msg: ServerMessage): void {
  switch (msg.msg) {
    case 'added':
    case 'changed':
    case 'removed':
    case 'ready':
    case 'updated':
      return void conn.data.receive(msg);
    case 'result': {
      const outcome =
        msg.error !== undefined ? { error: DDPError.fromWire(msg.error) } : { result: msg.result };
      if (!conn.queue.result(msg.id, outcome))
        if (conn.finishedMethod(msg.id)) conn.counters.count('duplicate-method-message');
        else conn.counters.bad('unknown-method-result', `result for method ${msg.id}, not in flight`);
      return;
    }
    case 'nosub': {
      conn.data.receive(msg);
      const error = msg.error !== undefined ? DDPError.fromWire(msg.error) : undefined;
      if (!conn.subs.end(msg.id, error))
        conn.counters.bad('unknown-subscription', `nosub for unknown subscription ${msg.id}`);
      return;
    }
    case 'ping':
      if (conn.respondToPings)
        conn.pong(encode(msg.id === undefined ? { msg: 'pong' } : { msg: 'pong', id: msg.id }));
      return;
    case 'pong':
      return;
    case 'connected':
      return void connected(conn, msg.session, msg.resumeReason, msg.resumeToken);
    case 'failed':
      return void conn.send({ type: 'DDP.FAILED', version: msg.version });
    case 'error':
      return void conn.counters.bad('server-error', `server error: ${msg.reason}`, msg.offendingMessage);
    default:
      return void conn.counters.bad('unsupported-msg', `unsupported message '${msg.msg}'`);
  }
}

/** A `connected`: the chart decides resumed or not, and why; the result reports its decision. */
function connected(conn: InboundHost, session: string, serverReason: unknown, token: unknown): void {
  const phase = sessionPhase(conn.snapshot());
  if (phase !== 'awaiting-connected') {
    return void conn.counters.bad('unexpected-connected', `connected while ${phase}`);
  }
  conn.ledger.accept(token);
  conn.send({
    type: 'DDP.CONNECTED',
    session,
    ...(typeof serverReason === 'string' ? { resumeReason: serverReason } : {}),
  });
  // The chart ran the branch's action (sessionStarted, sessionResumed or beginQuiescence) and recorded
  // its decision in context: the outcome, its reason, and the session it had offered.
  const c = conn.snapshot().context;
  const offered = c.offeredSession;
  conn.resumed(
    Object.freeze({
      outcome: c.lastResume ?? 'first-session',
      reason: c.resumeReason ?? 'first-session',
      session,
      offered,
      receivedCount: offered === undefined ? undefined : conn.ledger.offered,
      at: conn.now(),
    }),
  );
}
