import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';

type Parts = Pick<AnyMachineSnapshot, 'tags' | 'children' | 'historyValue' | 'value' | '_nodes'>;

// Never written to: xstate builds a new Set, children and history object whenever they change.
const NO_TAGS: Set<string> = new Set();
const NOTHING = Object.freeze({});
const configurations = new WeakMap<AnyStateMachine, Map<string, Pick<Parts, 'value' | '_nodes'>>>();

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key in value) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * Makes a fresh snapshot share what every snapshot in the same state configuration has in common:
 * its state value and active-node list (one frozen copy per configuration of the machine), and its
 * tags, children and history when they are empty. xstate treats snapshots as immutable and builds new
 * parts on every change, so the shared parts are never written; a server holding thousands of idle
 * snapshots stores each of these once instead of once per session.
 */
export function shareSnapshotParts(snapshot: AnyMachineSnapshot): void {
  const s = snapshot as Parts;
  if (s.tags.size === 0) s.tags = NO_TAGS;
  if (isEmpty(s.children)) s.children = NOTHING;
  if (isEmpty(s.historyValue)) s.historyValue = NOTHING;
  let byNodes = configurations.get(snapshot.machine);
  if (byNodes === undefined) {
    byNodes = new Map();
    configurations.set(snapshot.machine, byNodes);
  }
  let key = '';
  for (const node of s._nodes) key += `${node.id}\u0000`;
  const shared = byNodes.get(key);
  if (shared === undefined) {
    byNodes.set(key, { value: deepFreeze(s.value), _nodes: Object.freeze(s._nodes) as Parts['_nodes'] });
  } else {
    s.value = shared.value;
    s._nodes = shared._nodes;
  }
}
