import { DDPError, encode, parse, type ServerMessage } from '@ddpx/protocol';
import { sessionPhase } from '@ddpx/statecharts';
import type { Connection } from './connection.js';
import { wantsActivity } from './lifecycle.js';
import { CONNECT_DEFAULTS } from './options.js';
import type { BadInputKind } from './stats.js';

/**
 * The per-message path: size check, parse, `receivedCount`, at most one heartbeat event per tick,
 * then dispatch. Bad input is counted and logged, never thrown.
 */
export function handleFrame(conn: Connection, text: string): void {
  conn.framesReceived++;
  const o = conn.options;
  const max = Math.min(o.maxPayloadBytes ?? CONNECT_DEFAULTS.maxPayloadBytes, o.maxMessageLength ?? Infinity);
  if (text.length > max) return void conn.bad('oversized', `frame of ${text.length} characters (max ${max})`);
  const parsed = parse(text, conn.parseOptions);
  if (!parsed.ok) {
    const offending = parsed.offendingMessage as Record<string, unknown> | undefined;
    if (parsed.kind === 'no-msg' && offending && 'server_id' in offending) return; // Meteor's hello
    return void conn.bad(
      parsed.kind as BadInputKind,
      parsed.detail,
      text.length > 500 ? `${text.slice(0, 500)}…` : text,
    );
  }
  const msg = parsed.message;
  if (msg.msg !== 'ping' && msg.msg !== 'pong') conn.receivedCount++;
  const snapshot = conn.actor.getSnapshot();
  if (wantsActivity(snapshot.context)) conn.actor.send({ type: 'DDP.ACTIVITY' });
  dispatch(conn, msg);
}

function dispatch(conn: Connection, msg: ServerMessage): void {
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
        if (conn.finishedMethod(msg.id)) conn.count('duplicate-method-message');
        else conn.bad('unknown-method-result', `result for method ${msg.id}, not in flight`);
      return;
    }
    case 'nosub': {
      conn.data.receive(msg);
      const error = msg.error !== undefined ? DDPError.fromWire(msg.error) : undefined;
      if (!conn.subs.end(msg.id, error))
        conn.bad('unknown-subscription', `nosub for unknown subscription ${msg.id}`);
      return;
    }
    case 'ping':
      if (conn.respondToPings())
        conn.pong(encode(msg.id === undefined ? { msg: 'pong' } : { msg: 'pong', id: msg.id }));
      return;
    case 'pong':
      return;
    case 'connected':
      return void connected(conn, msg.session, msg.resumeReason, msg.resumeToken);
    case 'failed':
      return void conn.actor.send({ type: 'DDP.FAILED', version: msg.version });
    case 'error':
      return void conn.bad('server-error', `server error: ${msg.reason}`, msg.offendingMessage);
    default:
      return void conn.bad('unsupported-msg', `unsupported message '${msg.msg}'`);
  }
}

function connected(conn: Connection, session: string, serverReason: unknown, token: unknown): void {
  const before = conn.actor.getSnapshot();
  if (sessionPhase(before) !== 'awaiting-connected') {
    return void conn.bad('unexpected-connected', `connected while ${sessionPhase(before)}`);
  }
  // The token goes with the session it came with (rotated on every resume; none from Meteor servers).
  conn.token = typeof token === 'string' ? token : undefined;
  const offered = conn.options.resume === false ? undefined : before.context.session;
  const offeredCount = offered === undefined ? undefined : conn.receivedCountOffered;
  conn.actor.send({
    type: 'DDP.CONNECTED',
    session,
    ...(typeof serverReason === 'string' ? { resumeReason: serverReason } : {}),
  });
  // The chart ran the branch's action (sessionStarted, sessionResumed or beginQuiescence) and recorded it.
  const outcome = conn.actor.getSnapshot().context.lastResume ?? 'first-session';
  const reason =
    typeof serverReason === 'string'
      ? serverReason
      : outcome === 'new-session' && offered === undefined
        ? 'not-requested'
        : outcome;
  conn.dispatchResume(
    Object.freeze({ outcome, reason, session, offered, receivedCount: offeredCount, at: conn.now() }),
  );
}
