import { isDeepStrictEqual } from 'node:util';
import {
  type AnyStateMachine,
  createActor,
  type EventObject,
  fromCallback,
  fromPromise,
  type InspectionEvent,
} from 'xstate';
import { transitionKeys } from '../src/diagram.js';
import {
  type ClientConnectionContext,
  clientConnectionMachine,
  sessionPhase,
  statusFromSnapshot,
} from '../src/index.js';
import type { ConnectionTestEvent, ConnectionTestPath } from '../src/testPaths.js';
import { StatusOracle } from './statusOracle.js';
import { SteppingClock } from './steppingClock.js';

/** A DDP message as the fake wire carries it. */
export type Wire = Record<string, unknown> & { msg: string };

interface SocketListeners {
  open(): void;
  close(code: number, reason: string): void;
  error(error: unknown): void;
  message(m: Wire): void;
}

/** One fake WebSocket: the client side sees `sent`; the scripted server drives its events. */
export class FakeSocket {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly sent: Wire[] = [];
  listeners: SocketListeners | undefined;
  constructor(readonly url: string) {}
}

/** The transport the harness's `transport` actor opens and closes, and its `send*` effects write to. */
export class FakeTransport {
  readonly sockets: FakeSocket[] = [];
  current: FakeSocket | undefined;

  open(url: string, listeners: SocketListeners): void {
    if (this.current) throw new Error('a transport opened while another is still current (a leaked socket)');
    const socket = new FakeSocket(url);
    socket.listeners = listeners;
    this.sockets.push(socket);
    this.current = socket;
  }

  /** Idempotent; detaches listeners so late events from the old socket never reach the machine. */
  close(): void {
    const socket = this.current;
    if (!socket) return;
    socket.listeners = undefined;
    socket.state = 'closed';
    this.current = undefined;
  }

  send(m: Wire): void {
    // Like Meteor's stream: sends while not open are dropped.
    if (this.current?.state === 'open') this.current.sent.push(m);
  }
}

/** The scripted server: it acts on the current socket the way a real DDP server would. */
export class ScriptedServer {
  constructor(private readonly transport: FakeTransport) {}

  private socket(what: string): FakeSocket {
    const s = this.transport.current;
    if (!s) throw new Error(`scripted server: no socket to ${what}`);
    return s;
  }

  accept(): void {
    const s = this.socket('accept');
    if (s.state !== 'connecting') throw new Error(`scripted server: accept on a ${s.state} socket`);
    s.state = 'open';
    s.listeners?.open();
  }

  drop(code = 1006, reason = ''): void {
    const s = this.socket('drop');
    const l = s.listeners;
    s.state = 'closed';
    s.listeners = undefined;
    l?.close(code, reason);
  }

  fail(error: unknown): void {
    const s = this.socket('fail');
    s.listeners?.error(error);
  }

  send(m: Wire): void {
    const s = this.socket('send to');
    if (s.state !== 'open') throw new Error(`scripted server: send on a ${s.state} socket`);
    s.listeners?.message(m);
  }

  /** Meteor's `failed`: send it, then close the socket (the client already closed its side). */
  failHandshake(version: string): void {
    const s = this.socket('fail the handshake on');
    this.send({ msg: 'failed', version });
    if (this.transport.current === s) this.drop(1000, 'version mismatch');
    else s.listeners?.close(1000, 'version mismatch'); // detached: must be a no-op
  }
}

/** The machine bound to a fake transport, a scripted server and a SteppingClock. */
export function bindClient(path: ConnectionTestPath, machine: AnyStateMachine = clientConnectionMachine) {
  const clock = new SteppingClock();
  // Before the actor exists: xstate computes the initial snapshot (and its entry assigns) in createActor.
  clock.set(path.startTime);
  const transport = new FakeTransport();
  const server = new ScriptedServer(transport);
  const transitions = new Set<string>();
  let hooks: { resolve(): void; reject(e: unknown): void } | undefined;
  let actor: ReturnType<typeof createActor<typeof clientConnectionMachine>>;
  const listeners: SocketListeners = {
    open: () => actor.send({ type: 'TRANSPORT.OPEN' }),
    close: (code, reason) => actor.send({ type: 'TRANSPORT.CLOSED', code, reason }),
    error: (error) => actor.send({ type: 'TRANSPORT.ERROR', error }),
    message: (m) => {
      actor.send({ type: 'DDP.ACTIVITY' });
      if (m.msg === 'connected') actor.send({ type: 'DDP.CONNECTED', session: String(m.session) });
      if (m.msg === 'failed') actor.send({ type: 'DDP.FAILED', version: String(m.version) });
    },
  };
  type Args = { context: ClientConnectionContext };
  const bound = (machine as typeof clientConnectionMachine).provide({
    actions: {
      sendConnect: ({ context }: Args) =>
        transport.send({
          msg: 'connect',
          version: context.versionSuggestion,
          support: [...context.config.supportedVersions],
          ...(context.session === undefined ? {} : { session: context.session }),
        }),
      replayMethods: () => transport.send({ msg: 'method', method: 'outstanding', id: 'm1', params: [] }),
      resendSubscriptions: () => transport.send({ msg: 'sub', id: 's1', name: 'live', params: [] }),
      sendPing: () => transport.send({ msg: 'ping' }),
      sendGoodbye: () => transport.send({ msg: 'disconnect' }),
    } as never,
    actors: {
      // Invoked by `linked`: opens a fake socket on start and closes it when the chart leaves `linked`.
      transport: fromCallback<EventObject, { url: string }>(({ input }) => {
        transport.open(input.url, listeners);
        return () => transport.close();
      }),
      reconnectHooks: fromPromise(
        () =>
          new Promise<void>((resolve, reject) => {
            hooks = {
              resolve: () => {
                transport.send({ msg: 'method', method: 'fromHook', id: 'h1', params: [] });
                resolve();
              },
              reject,
            };
          }),
      ) as never,
    },
  });
  actor = createActor(bound as typeof clientConnectionMachine, {
    clock,
    input: { ...path.input, now: () => clock.now() },
    inspect: (ev: InspectionEvent) => {
      if (ev.type === '@xstate.microstep')
        for (const t of ev._transitions) for (const k of transitionKeys(t)) transitions.add(k);
    },
  });
  return {
    actor,
    clock,
    transport,
    server,
    transitions,
    settleHooks: async (ok: boolean) => {
      if (!hooks) throw new Error('no reconnect hooks are running');
      const h = hooks;
      hooks = undefined;
      if (ok) h.resolve();
      else h.reject(new Error('hook failed'));
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

/** Performs one path step against the bound machine, the way the outside world would. */
export async function perform(h: ReturnType<typeof bindClient>, e: ConnectionTestEvent): Promise<void> {
  switch (e.type) {
    case 'TRANSPORT.OPEN':
      return h.server.accept();
    case 'TRANSPORT.CLOSED':
      return h.server.drop(e.code, e.reason);
    case 'TRANSPORT.ERROR':
      return h.server.fail(e.error);
    case 'DDP.CONNECTED':
      return h.server.send({ msg: 'connected', session: e.session });
    case 'DDP.FAILED':
      return h.server.failHandshake(e.version);
    case 'DDP.ACTIVITY':
      return h.server.send({ msg: 'pong' });
    case 'TIMER':
      return h.clock.advance(e.ms);
    case 'HOOKS.SETTLED':
      return h.settleHooks(e.ok);
    default:
      h.actor.send(e);
  }
}

/** A failed check, with the path and step it happened at. */
export class PathFailure extends Error {}

/**
 * Replays a path: performs each step, then checks the status object against the path's expectation and
 * the independent oracle, the transport against the status, and the wire against the protocol.
 */
export async function replayPath(path: ConnectionTestPath, machine?: AnyStateMachine) {
  const h = bindClient(path, machine);
  const input = path.input;
  const oracle = new StatusOracle({
    retry: input.retry ?? true,
    autoConnect: input.autoConnect ?? true,
    supported: input.supportedVersions ?? ['1', 'pre2', 'pre1'],
    heartbeatInterval: input.heartbeatInterval ?? 17_500,
    random: input.random ?? (() => 0.5),
    now: () => h.clock.now(),
  });
  h.clock.set(path.startTime);
  const fail = (i: number, what: string, actual: unknown, expected: unknown): never => {
    const where = i < 0 ? 'at start' : `after step ${i + 1} (${JSON.stringify(path.steps[i]?.event)})`;
    throw new PathFailure(
      `${path.description}\n  ${where}: ${what}\n    expected ${JSON.stringify(expected)}\n    actual   ${JSON.stringify(actual)}`,
    );
  };
  // retryTime is compared to the ms: the stepping clock may land a hair past a fractional deadline.
  const norm = (x: unknown) =>
    x && typeof x === 'object' && 'retryTime' in x
      ? { ...x, retryTime: Math.round((x as { retryTime: number }).retryTime) }
      : x;
  const same = (x: unknown, y: unknown) => isDeepStrictEqual(norm(x), norm(y));
  const check = (i: number, expected: unknown) => {
    const status = statusFromSnapshot(h.actor.getSnapshot());
    if (!same(status, expected)) fail(i, 'status object differs from the path', status, expected);
    const spec = oracle.snapshot();
    if (!same(status, spec)) fail(i, 'status object differs from the §2.1 oracle', status, spec);
    const phase = sessionPhase(h.actor.getSnapshot());
    if (phase !== oracle.phase) fail(i, 'session phase differs from the §4.3 oracle', phase, oracle.phase);
    const socket = h.transport.current;
    const transportState = socket?.state ?? 'none';
    const want =
      status.status === 'connecting' ? 'connecting' : status.status === 'connected' ? 'open' : 'none';
    if (transportState !== want) fail(i, `transport while ${status.status}`, transportState, want);
    return socket;
  };
  h.actor.start();
  check(-1, path.initialStatus);
  for (const [i, step] of path.steps.entries()) {
    const before = h.transport.current;
    const sentBefore = before?.sent.length ?? 0;
    await perform(h, step.event);
    oracle.apply(step.event);
    const socket = check(i, step.expectedStatus);
    const value = h.actor.getSnapshot().value;
    if (!same(value, step.state)) fail(i, 'state value', value, step.state);
    // The wire, against the protocol.
    if (step.event.type === 'TRANSPORT.OPEN') {
      const first = socket?.sent[0];
      const want = {
        msg: 'connect',
        version: oracle.suggestion,
        support: [...(input.supportedVersions ?? ['1', 'pre2', 'pre1'])],
        ...(oracle.session === undefined ? {} : { session: oracle.session }),
      };
      if (!same(first, want)) fail(i, 'first message on a new transport', first, want);
    }
    if (step.event.type === 'HOOKS.SETTLED' && socket) {
      const order = socket.sent
        .filter((m) => m.msg !== 'ping' && m.msg !== 'disconnect')
        .map((m) => (m.msg === 'method' ? `method:${String(m.method)}` : m.msg));
      const want = step.event.ok
        ? ['connect', 'method:fromHook', 'method:outstanding', 'sub']
        : ['connect', 'method:outstanding', 'sub'];
      if (!same(order.slice(0, want.length), want)) fail(i, 'reconnect replay order', order, want);
    }
    const newMessages = socket && socket === before ? socket.sent.slice(sentBefore).map((m) => m.msg) : [];
    const pinged = newMessages.includes('ping');
    if (pinged !== oracle.expectPing) fail(i, 'ping sent', pinged, oracle.expectPing);
  }
  h.actor.stop();
  return h.transitions;
}
