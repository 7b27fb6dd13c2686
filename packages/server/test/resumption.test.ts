import { type ServerSessionEvent, serverSessionMachine } from '@ddpx/statecharts';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { ResumeTokens } from '../src/resumeToken.js';
import {
  type ConnectingSession,
  type DecideResume,
  decideResume,
  type ResumableSession,
  type ResumeDecision,
  type ResumeRequest,
  Resumption,
} from '../src/resumption.js';
import type { ServerSocket } from '../src/serverSocket.js';

// The resume decision in isolation: the pure `decideResume`, and `Resumption` driving a real session
// chart (its pure guard picks the hand-off from the outcome carried by DDP.CONNECT), with the decision
// taken at once or after an asynchronous lookup (a shared store, issue #13). The same paths over real
// sockets are in resume.test.ts and hijack.test.ts.

const POLICY = { gracePeriodMs: 15_000, allowTokenless: false };

function fakeSocket() {
  const socket = {
    closed: undefined as [number, string] | undefined,
    handlers: undefined as unknown,
    setHandlers(h: unknown) {
      socket.handlers = h;
    },
    close(code: number, reason: string) {
      socket.closed = [code, reason];
    },
  };
  return socket;
}

/** A session that may be resumed: a phase, tokens, a replay window, and what resumption does to it. */
class Target implements ResumableSession {
  readonly tokens = new ResumeTokens();
  readonly token = this.tokens.issue();
  readonly events: ServerSessionEvent[] = [];
  readonly frames: string[] = [];
  socket: ReturnType<typeof fakeSocket> | undefined = fakeSocket();
  constructor(
    public phase: string,
    private readonly firstCovered = 0,
  ) {}
  get resumeTokens() {
    return this.tokens.valid;
  }
  covers(receivedCount: number) {
    return receivedCount >= this.firstCovered;
  }
  sendEvent(event: ServerSessionEvent) {
    this.events.push(event);
    if (event.type === 'SOCKET.REPLACED') this.phase = 'detached';
    if (event.type === 'RESUME') this.phase = 'established';
  }
  takeSocket() {
    const s = this.socket;
    this.socket = undefined;
    return s as unknown as ServerSocket | undefined;
  }
  adoptSocket(socket: ServerSocket) {
    this.socket = socket as unknown as ReturnType<typeof fakeSocket>;
  }
  acceptToken(token: string | undefined) {
    this.tokens.accept(token);
  }
  socketMessage(text: string) {
    this.frames.push(text);
  }
}

/** A socket that sent `connect`, run by the real session chart with `handOffSocket` bound to resumption. */
function pending(resumption: () => Resumption<Target>) {
  const events: ServerSessionEvent[] = [];
  const frames: string[] = [];
  const errors: string[] = [];
  let held: string[] | undefined;
  let socket: ServerSocket | undefined = fakeSocket() as unknown as ServerSocket;
  const actor = createActor(
    serverSessionMachine.provide({
      actions: {
        handOffSocket: ({ context }) => resumption().handOff(p, context.connectRequest?.receivedCount),
      },
    }),
    { input: {} },
  );
  const p: ConnectingSession & {
    events: typeof events;
    frames: string[];
    errors: string[];
    receive(t: string): void;
  } = {
    events,
    frames,
    errors,
    get phase() {
      const v = actor.getSnapshot().value;
      return typeof v === 'string' ? v : Object.keys(v)[0]!;
    },
    inbound: {
      hold: () => {
        held ??= [];
      },
      release: (owner) => {
        const h = held ?? [];
        held = undefined;
        for (const t of h) owner.socketMessage(t);
      },
    },
    receive(text: string) {
      if (held) held.push(text);
      else p.socketMessage(text);
    },
    sendEvent(event) {
      events.push(event);
      actor.send(event);
    },
    takeSocket() {
      const s = socket;
      socket = undefined;
      return s;
    },
    reportError: (_err, context) => void errors.push(context),
    socketMessage: (text) => void frames.push(text),
  };
  actor.start();
  return { p, actor };
}

const connect = (over: Partial<ResumeRequest> = {}): ResumeRequest => ({
  version: '1',
  support: ['1'],
  ...over,
});

describe('decideResume (pure)', () => {
  const target = new Target('detached', 3);
  const lookup = (id: string) => (id === 'S' ? target : undefined);
  const decide = (r: ResumeRequest, policy = POLICY) => decideResume(r, lookup, policy);

  it('decides from the id, the token and the count', () => {
    expect(decide(connect())).toEqual({ kind: 'new', reason: undefined });
    expect(decide(connect({ session: 'S' }), { ...POLICY, gracePeriodMs: 0 })).toMatchObject({
      reason: 'resume-disabled',
    });
    expect(decide(connect({ session: 'X', resumeToken: target.token, receivedCount: 5 }))).toMatchObject({
      reason: 'unknown-session',
    });
    expect(decide(connect({ session: 'S', resumeToken: 'A'.repeat(24), receivedCount: 5 }))).toMatchObject({
      reason: 'unknown-session',
    });
    expect(decide(connect({ session: 'S', resumeToken: target.token }))).toEqual({
      kind: 'new',
      reason: 'no-received-count',
      stale: target,
    });
    expect(decide(connect({ session: 'S', resumeToken: target.token, receivedCount: 2 }))).toEqual({
      kind: 'new',
      reason: 'count-outside-buffer',
      stale: target,
    });
    expect(decide(connect({ session: 'S', resumeToken: target.token, receivedCount: 3 }))).toEqual({
      kind: 'resume',
      session: target,
      token: target.token,
    });
  });
});

describe('Resumption: one decision per connect, carried by the chart event', () => {
  it('a resume hands the socket to the detached session: RESUME carries the count, never the token', () => {
    const target = new Target('detached');
    const resumption = new Resumption<Target>((r) => decideResume(r, () => target, POLICY));
    const { p, actor } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 4, resumeToken: target.token }));
    expect(p.events).toEqual([
      {
        type: 'DDP.CONNECT',
        version: '1',
        support: ['1'],
        session: 'S',
        receivedCount: 4,
        resume: 'resumed',
      },
    ]);
    expect(actor.getSnapshot().value).toBe('handedOff');
    expect(target.events).toEqual([{ type: 'RESUME', receivedCount: 4 }]);
    expect(target.socket).toBeDefined();
    expect(JSON.stringify([p.events, target.events, actor.getSnapshot()])).not.toContain(target.token);
  });

  it('a live session named by its token holder loses its replaced socket first, then resumes', () => {
    const target = new Target('established');
    const old = target.socket!;
    const resumption = new Resumption<Target>((r) => decideResume(r, () => target, POLICY));
    const { p } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 0, resumeToken: target.token }));
    expect(old.closed).toEqual([1000, 'replaced by a resumed connection']);
    expect(target.events.map((e) => e.type)).toEqual(['SOCKET.REPLACED', 'RESUME']);
  });

  it('a refusal becomes a new session with its reason on the event', () => {
    const resumption = new Resumption<Target>((r) => decideResume<Target>(r, () => undefined, POLICY));
    const { p, actor } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 4, resumeToken: 'x' }));
    expect(p.events[0]).toMatchObject({ type: 'DDP.CONNECT', resume: 'unknown-session' });
    expect(p.events[0]).not.toHaveProperty('resumeToken');
    expect(actor.getSnapshot().value).toEqual({ established: 'idle' });
    expect(actor.getSnapshot().context.connectRequest?.resume).toBe('unknown-session');
  });

  it('an asynchronous decision: frames wait, one DDP.CONNECT once it resolves, then the frames go to the owner', async () => {
    const target = new Target('detached');
    let resolve!: (d: ResumeDecision<Target>) => void;
    const decide: DecideResume<Target> = () =>
      new Promise((r) => {
        resolve = r;
      });
    const resumption = new Resumption<Target>(decide);
    const { p, actor } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 2, resumeToken: target.token }));
    p.receive('{"msg":"method","id":"1","method":"m","params":[]}');
    expect(p.events).toEqual([]);
    expect(actor.getSnapshot().value).toBe('awaitingConnect');
    resolve({ kind: 'resume', session: target, token: target.token });
    await Promise.resolve();
    expect(p.events).toHaveLength(1);
    expect(actor.getSnapshot().value).toBe('handedOff');
    expect(target.events).toEqual([{ type: 'RESUME', receivedCount: 2 }]);
    expect(target.frames).toEqual(['{"msg":"method","id":"1","method":"m","params":[]}']);
    expect(p.frames).toEqual([]);
  });

  it('an asynchronous decision for a socket that closed meanwhile sends nothing', async () => {
    let resolve!: (d: ResumeDecision<Target>) => void;
    const resumption = new Resumption<Target>(
      () =>
        new Promise((r) => {
          resolve = r;
        }),
    );
    const { p, actor } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 2 }));
    p.sendEvent({ type: 'SOCKET.CLOSED' });
    resolve({ kind: 'new', reason: 'unknown-session' });
    await Promise.resolve();
    expect(p.events.map((e) => e.type)).toEqual(['SOCKET.CLOSED']);
    expect(actor.getSnapshot().context.closeReason).toBe('socket-closed');
  });

  it('a failed lookup is reported and degrades to a new session', async () => {
    const resumption = new Resumption<Target>(() => Promise.reject(new Error('store out of reach')));
    const { p, actor } = pending(() => resumption);
    resumption.connect(p, connect({ session: 'S', receivedCount: 2 }));
    p.receive('{"msg":"sub","id":"a","name":"feed","params":[]}');
    await new Promise((r) => setTimeout(r, 0));
    expect(p.errors).toEqual(['resume decision']);
    expect(p.events[0]).toMatchObject({ type: 'DDP.CONNECT', resume: 'unknown-session' });
    expect(actor.getSnapshot().value).toEqual({ established: 'idle' });
    expect(p.frames).toEqual(['{"msg":"sub","id":"a","name":"feed","params":[]}']);
  });
});
