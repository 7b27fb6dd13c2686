import { describe, expect, it } from 'vitest';
import { createActor, type InspectionEvent } from 'xstate';
import { clientConnectionMachine, serverSessionMachine, statusFromSnapshot } from '../src/index.js';

describe('inspection', () => {
  it('createActor(machine, { inspect }) sees events, snapshots and microsteps', () => {
    const seen: InspectionEvent[] = [];
    const actor = createActor(clientConnectionMachine, {
      input: { url: 'ws://x' },
      inspect: (e) => seen.push(e),
    });
    actor.start();
    actor.send({ type: 'TRANSPORT.OPEN' });
    const types = new Set(seen.map((e) => e.type));
    expect(types).toContain('@xstate.actor');
    expect(types).toContain('@xstate.event');
    expect(types).toContain('@xstate.snapshot');
    expect(types).toContain('@xstate.microstep');
    expect(seen.some((e) => e.type === '@xstate.event' && e.event.type === 'TRANSPORT.OPEN')).toBe(true);
    actor.stop();
  });

  it('an inspector can attach late through actor.system.inspect and detach', () => {
    const actor = createActor(clientConnectionMachine, { input: { url: 'ws://x' } });
    actor.start();
    const seen: string[] = [];
    const sub = actor.system.inspect((e) => {
      if (e.type === '@xstate.snapshot' && e.actorRef === actor)
        seen.push(statusFromSnapshot(actor.getSnapshot()).status);
    });
    actor.send({ type: 'TRANSPORT.OPEN' });
    sub.unsubscribe();
    actor.send({ type: 'TRANSPORT.CLOSED' });
    expect(seen).toEqual(['connected']);
    actor.stop();
  });

  it('snapshots serialize to JSON for remote inspectors (functions in context are dropped)', () => {
    const actor = createActor(clientConnectionMachine, { input: { url: 'ws://x' } });
    actor.start();
    const json = JSON.parse(JSON.stringify(actor.getSnapshot()));
    expect(json.value).toEqual({ linked: 'connecting' });
    expect(json.context.url).toBe('ws://x');
    const server = createActor(serverSessionMachine, { input: {} });
    server.start();
    expect(JSON.parse(JSON.stringify(server.getSnapshot())).value).toBe('awaitingConnect');
  });
});
