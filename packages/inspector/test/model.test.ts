import { describe, expect, it } from 'vitest';
import { InspectorModel, MAX_CLOSED, MAX_STEPS } from '../src/model.js';
import { parseWireMessage, type SessionSummary, type WireMessage } from '../src/wire.js';

const session = (id: string, state: string, extra: Partial<SessionSummary> = {}): SessionSummary => ({
  id,
  clientAddress: '127.0.0.1',
  transport: 'websocket',
  state,
  since: 1,
  resumes: 0,
  subscriptions: 0,
  methodsInFlight: 0,
  bufferedBytes: 0,
  ...extra,
});
const counts = { byState: {}, resumes: 0, closes: {} };

describe('parseWireMessage', () => {
  it.each([
    ['not json', '{'],
    ['not an object', '42'],
    ['an unknown type', '{"type":"@xstate.microstep","sessionId":"x:0"}'],
    ['an actor without sessionId', '{"type":"@xstate.actor"}'],
    ['an event without an event type', '{"type":"@xstate.event","sessionId":"x:0","event":{}}'],
    ['sessions without a list', '{"type":"@ddpx.sessions","serverId":"s"}'],
  ])('rejects %s', (_, text) => {
    expect(parseWireMessage(text)).toBeUndefined();
  });

  it('accepts the three @statelyai/inspect messages and the two ddpx ones', () => {
    const texts = [
      '{"type":"@xstate.actor","sessionId":"x:0","definition":"{}"}',
      '{"type":"@xstate.event","sessionId":"x:0","event":{"type":"GO"}}',
      '{"type":"@xstate.snapshot","sessionId":"x:0","snapshot":{"value":"a"}}',
      '{"type":"@ddpx.server","serverId":"s"}',
      '{"type":"@ddpx.sessions","serverId":"s","sessions":[]}',
    ];
    expect(texts.map((t) => parseWireMessage(t)?.type)).toEqual([
      '@xstate.actor',
      '@xstate.event',
      '@xstate.snapshot',
      '@ddpx.server',
      '@ddpx.sessions',
    ]);
  });
});

describe('InspectorModel', () => {
  it('keeps actors of different producers apart although both number them from x:0', () => {
    const m = new InspectorModel();
    m.apply('p1', { type: '@xstate.actor', sessionId: 'x:0', name: 'a', snapshot: { value: 'one' } });
    m.apply('p2', { type: '@xstate.actor', sessionId: 'x:0', name: 'b', snapshot: { value: 'two' } });
    m.apply('p1', { type: '@xstate.event', sessionId: 'x:0', event: { type: 'GO', n: 1 } });
    m.apply('p1', {
      type: '@xstate.snapshot',
      sessionId: 'x:0',
      snapshot: { value: 'three' },
      event: { type: 'GO' },
    });
    expect(m.actors.get('p1/x:0')?.steps.map((s) => s.value)).toEqual(['one', 'three']);
    expect(m.actors.get('p1/x:0')?.log.map((l) => l.event)).toEqual([{ type: 'GO', n: 1 }]);
    expect(m.actors.get('p2/x:0')?.steps.map((s) => s.value)).toEqual(['two']);
    m.producerGone('p1');
    expect([m.actors.get('p1/x:0')?.live, m.actors.get('p2/x:0')?.live]).toEqual([false, true]);
  });

  it(`keeps the last ${MAX_STEPS} steps of an actor`, () => {
    const m = new InspectorModel();
    m.apply('p', { type: '@xstate.actor', sessionId: 'x:0' });
    for (let i = 0; i < MAX_STEPS + 10; i++)
      m.apply('p', { type: '@xstate.snapshot', sessionId: 'x:0', snapshot: { value: `s${i}` } });
    const steps = m.actors.get('p/x:0')!.steps;
    expect(steps).toHaveLength(MAX_STEPS);
    expect(steps[0]?.value).toBe('s10');
  });

  it('updates sessions, forgets hand-offs and the oldest closed sessions', () => {
    const m = new InspectorModel();
    m.apply('p', {
      type: '@ddpx.server',
      serverId: 's',
      name: 'srv',
      startedAt: 0,
      gracePeriodMs: 15000,
      intervalMs: 1000,
    });
    m.apply('p', {
      type: '@ddpx.sessions',
      serverId: 's',
      at: 1,
      sessions: [session('a', 'established.idle'), session('h', 'awaitingConnect')],
      counts,
    });
    m.apply('p', {
      type: '@ddpx.sessions',
      serverId: 's',
      at: 2,
      sessions: [session('a', 'detached', { graceEndsAt: 99 }), session('h', 'handedOff')],
      counts,
    });
    const server = m.servers.get('p/s')!;
    expect([...server.sessions.keys()]).toEqual(['a']);
    expect(server.sessions.get('a')?.graceEndsAt).toBe(99);
    const closed = Array.from({ length: MAX_CLOSED + 5 }, (_, i) =>
      session(`c${i}`, 'closed', { closeReason: 'grace-expired' }),
    );
    m.apply('p', { type: '@ddpx.sessions', serverId: 's', at: 3, sessions: closed, counts });
    expect(server.sessions.size).toBe(MAX_CLOSED + 1);
    expect(server.sessions.has('c0')).toBe(false);
    expect(server.series.map((p) => p.at)).toEqual([1, 2, 3]);
  });

  it('replays into an empty model the same actors, steps, log and sessions', () => {
    const m = new InspectorModel();
    const messages: WireMessage[] = [
      {
        type: '@xstate.actor',
        sessionId: 'x:0',
        name: 'm',
        definition: '{"id":"m"}',
        snapshot: { value: 'a', context: { n: 0 } },
      },
      { type: '@xstate.actor', sessionId: 'x:1', name: 'child', parentId: 'x:0' },
      { type: '@xstate.event', sessionId: 'x:0', event: { type: 'GO' } },
      {
        type: '@xstate.snapshot',
        sessionId: 'x:0',
        snapshot: { value: 'b', context: { n: 1 } },
        event: { type: 'GO' },
        timers: [{ id: 't', event: 'T', delay: 5, dueAt: 10 }],
      },
      { type: '@ddpx.server', serverId: 's', name: 'srv', startedAt: 0, gracePeriodMs: 1, intervalMs: 1 },
      { type: '@ddpx.sessions', serverId: 's', at: 1, sessions: [session('a', 'established')], counts },
    ];
    for (const [i, msg] of messages.entries()) m.apply('p', msg, 100 + i);
    const copy = new InspectorModel();
    for (const item of m.replay()) copy.apply(item.producer, item.message, item.at);
    const strip = (x: InspectorModel) =>
      JSON.parse(
        JSON.stringify({
          actors: [...x.actors.values()].map((a) => ({
            ...a,
            steps: a.steps.map(({ seq: _s, ...s }) => s),
            log: a.log.map(({ seq: _s, ...l }) => l),
          })),
          servers: [...x.servers.values()].map((s) => ({ ...s, sessions: [...s.sessions.values()] })),
        }),
      );
    expect(strip(copy)).toEqual(strip(m));
    expect(copy.actors.get('p/x:1')?.parentKey).toBe('p/x:0');
  });
});
