import { describe, expect, it } from 'vitest';
import { fromPromise } from 'xstate';
import { negotiationFailureReason, sessionPhase } from '../src/index.js';
import { startClient, T0 } from './helpers.js';

describe('version negotiation (§1.3, scenarios 3 and 4)', () => {
  it('DDP.FAILED naming a supported version: remember it, waiting ~10 ms (even with retry: false), propose it next', () => {
    const c = startClient({ supportedVersions: ['garbled', '1'], retry: false });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.context().versionSuggestion).toBe('garbled');
    c.take();
    c.actor.send({ type: 'DDP.FAILED', version: '1' });
    expect(c.status()).toEqual({ status: 'waiting', connected: false, retryCount: 0, retryTime: T0 + 10 });
    expect(c.log).toEqual(['transport:close']);
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.context().versionSuggestion).toBe('1');
    c.actor.send({ type: 'DDP.CONNECTED', session: 'x' });
    expect(c.context().version).toBe('1');
    expect(c.log).not.toContain('notifyNegotiationFailure');
  });

  it('DDP.FAILED naming an unsupported version: permanent failed with reason, then the callback', () => {
    const c = startClient({ supportedVersions: ['garbled', 'more garbled'] });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.take();
    c.actor.send({ type: 'DDP.FAILED', version: '1' });
    expect(c.status()).toEqual({
      status: 'failed',
      connected: false,
      retryCount: 0,
      reason: 'DDP version negotiation failed; server requested version 1',
    });
    expect(c.log).toEqual(['notifyNegotiationFailure', 'transport:close']);
    c.actor.send({ type: 'RECONNECT' });
    c.tick(1_000_000);
    expect(c.status().status).toBe('failed');
    expect(c.status().reason).toBe(negotiationFailureReason('1'));
  });

  it('the negotiated version is remembered across reconnects', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.FAILED', version: 'pre2' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 's' });
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.context().versionSuggestion).toBe('pre2');
  });
});

describe('the reconnect replay and the resume decision (§4)', () => {
  it('on open: connect, hooks (awaited), then methods, then subscriptions', async () => {
    let release!: () => void;
    const hooks = fromPromise(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const c = startClient({}, { reconnectHooks: hooks });
    c.take();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    await c.flush();
    expect(c.log).toEqual(['sendConnect', 'beginReconnectHooks']);
    expect(c.actor.getSnapshot().matches({ linked: { connected: { replay: 'runningHooks' } } })).toBe(true);
    release();
    await c.flush();
    expect(c.log).toEqual(['sendConnect', 'beginReconnectHooks', 'replayMethods', 'resendSubscriptions']);
    expect(c.actor.getSnapshot().matches({ linked: { connected: { replay: 'done' } } })).toBe(true);
  });

  it('no hook registered: connect, then methods, then subscriptions in the same step, no hooks actor', () => {
    let asked = 0;
    const c = startClient({
      hasReconnectHooks: () => {
        asked++;
        return false;
      },
    });
    c.take();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(c.log).toEqual(['sendConnect', 'beginReconnectHooks', 'replayMethods', 'resendSubscriptions']);
    expect(c.log).not.toContain('hooks:run');
    expect(asked).toBe(1);
    expect(c.actor.getSnapshot().children.reconnectHooks).toBeUndefined();
    expect(c.actor.getSnapshot().matches({ linked: { connected: { replay: 'done' } } })).toBe(true);
  });

  it('a hook registered later is run on the next open (the guard is asked on every open)', async () => {
    let registered = false;
    const c = startClient({ hasReconnectHooks: () => registered });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    registered = true;
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(c.context().retryDelay);
    expect(c.status().status).toBe('connecting');
    c.take();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    await c.flush();
    expect(c.log).toEqual([
      'sendConnect',
      'beginReconnectHooks',
      'hooks:run',
      'replayMethods',
      'resendSubscriptions',
    ]);
  });

  it('a rejecting hook is reported and the replay carries on (allSettled)', async () => {
    const c = startClient(
      {},
      {
        reconnectHooks: fromPromise(async () => {
          throw new Error('hook failed');
        }),
      },
    );
    c.take();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    await c.flush();
    expect(c.log).toEqual([
      'sendConnect',
      'beginReconnectHooks',
      'reportHookError',
      'replayMethods',
      'resendSubscriptions',
    ]);
  });

  it('a transport loss while hooks run cancels the replay', async () => {
    let release!: () => void;
    const c = startClient(
      {},
      {
        reconnectHooks: fromPromise(
          () =>
            new Promise<void>((r) => {
              release = r;
            }),
        ),
      },
    );
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.take();
    release();
    await c.flush();
    expect(c.log).toEqual([]);
  });

  it('first session → live; same id → resumed (nothing reset); new id → quiescing until QUIESCENCE.REACHED', async () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: '17' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('live');
    expect(c.context()).toMatchObject({ session: '17', lastResume: 'first-session', version: '1' });

    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('awaiting-connected');
    c.take();
    c.actor.send({ type: 'DDP.CONNECTED', session: '17', resumeReason: 'resumed' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('resumed');
    expect(c.log).toEqual(['sessionResumed']);
    expect(c.context()).toMatchObject({ lastResume: 'resumed', resumeReason: 'resumed' });

    c.actor.send({ type: 'TRANSPORT.CLOSED' });
    c.tick(10);
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.take();
    c.actor.send({ type: 'DDP.CONNECTED', session: '171', resumeReason: 'grace-expired' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('quiescing');
    expect(c.log).toEqual(['beginQuiescence']);
    expect(c.context()).toMatchObject({
      session: '171',
      lastResume: 'new-session',
      resumeReason: 'grace-expired',
    });
    c.actor.send({ type: 'QUIESCENCE.REACHED' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('live');
  });

  it('input.session offers a stored session id on the first connect', () => {
    const c = startClient({ session: 'stored' });
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 'stored' });
    expect(sessionPhase(c.actor.getSnapshot())).toBe('resumed');
  });

  it('a duplicate DDP.CONNECTED after the decision is ignored', () => {
    const c = startClient();
    c.actor.send({ type: 'TRANSPORT.OPEN' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 'a' });
    c.actor.send({ type: 'DDP.CONNECTED', session: 'b' });
    expect(c.context().session).toBe('a');
  });
});
