import { clientConnectionMachine } from '@ddpx/statecharts';
import { describe, expect, it } from 'vitest';
import { activeIds, type ChartNode, chartFromMachine, type StateNodeLike } from '../src/page/chartModel.js';

const chart = chartFromMachine(clientConnectionMachine.root as unknown as StateNodeLike);
const find = (id: string, node: ChartNode = chart): ChartNode | undefined =>
  node.id === id ? node : node.children.map((c) => find(id, c)).find(Boolean);

describe('the chart model the demo page draws', () => {
  it('has every top-level state of the real machine, with Meteor status names', () => {
    expect(chart.children.map((c) => c.id)).toEqual(Object.keys(clientConnectionMachine.root.states));
    for (const status of ['connecting', 'connected', 'waiting', 'failed', 'offline'])
      expect(find(status)).toBeDefined();
    expect(find('connected')?.type).toBe('parallel');
    expect(find('connected')?.children.map((c) => c.key)).toEqual(['replay', 'session', 'heartbeat']);
  });

  it('lists transitions with readable events, targets and guards', () => {
    const waiting = find('waiting')!;
    expect(waiting.transitions).toContainEqual({ label: 'after backoff', targets: ['connecting'] });
    const connecting = find('connecting')!;
    expect(connecting.transitions).toContainEqual({ label: 'TRANSPORT.OPEN', targets: ['connected'] });
    const closed = connecting.transitions.find((t) => t.label === 'TRANSPORT.CLOSED');
    expect(closed?.targets[0]).toMatch(/^waiting \[\w+\]$/);
    expect(find('connected.replay.runningHooks')!.transitions[0]?.label).toBe('reconnectHooks done');
  });

  it('turns a snapshot value into the set of active ids', () => {
    expect(activeIds('offline')).toEqual(new Set(['offline']));
    expect(activeIds({ connected: { replay: 'done', session: 'live', heartbeat: 'idle' } })).toEqual(
      new Set([
        'connected',
        'connected.replay',
        'connected.replay.done',
        'connected.session',
        'connected.session.live',
        'connected.heartbeat',
        'connected.heartbeat.idle',
      ]),
    );
    for (const id of activeIds({ failed: 'permanent' })) expect(find(id), id).toBeDefined();
  });
});
