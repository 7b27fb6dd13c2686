import { describe, expect, it } from 'vitest';
import { machineShape } from '../src/diagram.js';
import { clientConnectionMachine } from '../src/index.js';
import { connectionTestPaths } from '../src/testPaths.js';
import { replayPath } from './harness.js';
import { T0 } from './helpers.js';

/**
 * Model-based tests: paths from xstate/graph over the real machine, each replayed against the machine
 * bound to a fake transport and a scripted server under simulated time, checking the status object
 * (against the path and against an independent §2.1 oracle), the transport and the wire after every
 * step. The last test fails when any state or transition of the chart was never exercised.
 */
const shortest = connectionTestPaths({ algorithm: 'shortest', startTime: T0 });
const simple = connectionTestPaths({ algorithm: 'simple', startTime: T0 });
const transitions = connectionTestPaths({ algorithm: 'transitions', startTime: T0 });
// No reconnect hook registered (what a client without `onReconnect` tells the chart): replay skips the actor.
const noHooks = connectionTestPaths({
  algorithm: 'shortest',
  startTime: T0,
  variants: [{}, { retry: false }],
  input: { hasReconnectHooks: () => false },
});
const covered = new Set<string>();

describe('client chart: shortest paths (getShortestPaths, one per distinct state)', () => {
  it.each(shortest.map((p) => [p.description, p] as const))('%s', async (_d, path) => {
    for (const t of await replayPath(path)) covered.add(t);
  });
});

describe('client chart: simple paths (getSimplePaths over the status graph)', () => {
  it.each(simple.map((p) => [p.description, p] as const))('%s', async (_d, path) => {
    for (const t of await replayPath(path)) covered.add(t);
  });
});

describe('client chart: transition paths (a shortest path to each transition, then the transition)', () => {
  it.each(transitions.map((p) => [p.description, p] as const))('%s', async (_d, path) => {
    for (const t of await replayPath(path)) covered.add(t);
  });
});

describe('client chart without reconnect hooks (shortest paths; replay goes straight to methods)', () => {
  it.each(noHooks.map((p) => [p.description, p] as const))('%s', async (_d, path) => {
    expect(path.steps.some((s) => s.event.type === 'HOOKS.SETTLED')).toBe(false);
    for (const t of await replayPath(path)) covered.add(t);
  });
});

describe('coverage', () => {
  it('every state and transition of the client chart is exercised', () => {
    const shape = machineShape(clientConnectionMachine);
    const missing = shape.transitions.filter((t) => !covered.has(t));
    const coveredStates = new Set<string>();
    for (const t of covered) {
      const [source, rest] = t.split(' --');
      coveredStates.add(source as string);
      coveredStates.add((rest ?? '').split('--> ')[1] as string);
    }
    // A state counts as exercised when a covered transition leaves or enters it or one of its descendants.
    const missingStates = shape.states.filter(
      (s) => ![...coveredStates].some((c) => c === s || c.startsWith(`${s}.`)),
    );
    console.log(
      `transitions covered: ${shape.transitions.length - missing.length}/${shape.transitions.length}`,
    );
    console.log(`states covered: ${shape.states.length - missingStates.length}/${shape.states.length}`);
    expect(missing, 'transitions never exercised').toEqual([]);
    expect(missingStates, 'states never exercised').toEqual([]);
  });
});
