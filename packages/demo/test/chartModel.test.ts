import { clientConnectionMachine } from '@ddpx/statecharts';
import { describe, expect, it } from 'vitest';
import { activeIds, type ChartNode, chartFromMachine, type StateNodeLike } from '../src/page/chartModel.js';

const chart = chartFromMachine(clientConnectionMachine.root as unknown as StateNodeLike);
const find = (id: string, node: ChartNode = chart): ChartNode | undefined =>
  node.id === id ? node : node.children.map((c) => find(id, c)).find(Boolean);

describe('the chart model the demo page draws', () => {
  it('has every top-level state of the real machine, with Meteor status names', () => {
    expect(chart.children.map((c) => c.id)).toEqual(Object.keys(clientConnectionMachine.root.states));
    // `connecting` and `connected` sit in `linked`, the state that owns the transport.
    for (const status of ['linked.connecting', 'linked.connected', 'waiting', 'failed', 'offline'])
      expect(find(status)).toBeDefined();
    expect(find('linked.connected')?.type).toBe('parallel');
    expect(find('linked.connected')?.children.map((c) => c.key)).toEqual(['replay', 'session', 'heartbeat']);
  });

  it('lists transitions with readable events, targets and guards', () => {
    const waiting = find('waiting')!;
    expect(waiting.transitions).toContainEqual({ label: 'after backoff', targets: ['linked'] });
    const connecting = find('linked.connecting')!;
    expect(connecting.transitions).toContainEqual({
      label: 'TRANSPORT.OPEN',
      targets: ['linked.connected'],
    });
    const closed = find('linked')!.transitions.find((t) => t.label === 'TRANSPORT.CLOSED');
    expect(closed?.targets[0]).toMatch(/^waiting \[\w+\]$/);
    expect(find('linked.connected.replay.runningHooks')!.transitions[0]?.label).toBe('reconnectHooks done');
  });

  it('turns a snapshot value into the set of active ids', () => {
    expect(activeIds('offline')).toEqual(new Set(['offline']));
    expect(
      activeIds({ linked: { connected: { replay: 'done', session: 'live', heartbeat: 'idle' } } }),
    ).toEqual(
      new Set([
        'linked',
        'linked.connected',
        'linked.connected.replay',
        'linked.connected.replay.done',
        'linked.connected.session',
        'linked.connected.session.live',
        'linked.connected.heartbeat',
        'linked.connected.heartbeat.idle',
      ]),
    );
    for (const id of activeIds({ failed: 'permanent' })) expect(find(id), id).toBeDefined();
  });
});
