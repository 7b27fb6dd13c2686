import type { StateValue } from 'xstate';

/** One outgoing transition of a state, as the page lists it. */
export interface ChartTransition {
  /** The event as people read it: `TRANSPORT.OPEN`, `after backoff`, `always`, `reconnectHooks done`. */
  readonly label: string;
  /** Each candidate target, in order, with its guard (`waiting [shouldRetry]`); `(self)` when internal. */
  readonly targets: readonly string[];
}

/** A state of the machine: its id, kind, children and transitions. */
export interface ChartNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly children: readonly ChartNode[];
  readonly transitions: readonly ChartTransition[];
}

/** The slice of an XState `StateNode` this module reads (so it works on any machine's `root`). */
export interface StateNodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly states: Record<string, StateNodeLike>;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
}

interface TransitionLike {
  readonly target?: readonly { readonly id: string }[] | undefined;
  readonly guard?: unknown;
}

function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `${done[1]} done`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `${error[1]} failed`;
  return eventType;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard)
    return String((guard as { type: unknown }).type);
  return 'guard';
}

/** Walks a machine's `root` state node into a plain tree (ids without the machine id prefix). */
export function chartFromMachine(root: StateNodeLike): ChartNode {
  const prefix = `${root.id}.`;
  const short = (id: string) => (id.startsWith(prefix) ? id.slice(prefix.length) : id);
  const candidates = (list: readonly TransitionLike[]) =>
    list.map((t) => {
      const target = t.target?.map((s) => short(s.id)).join(' + ') || '(self)';
      const guard = guardName(t.guard);
      return guard ? `${target} [${guard}]` : target;
    });
  const walk = (node: StateNodeLike): ChartNode => {
    const transitions: ChartTransition[] = [];
    for (const [eventType, list] of node.transitions) {
      transitions.push({ label: eventLabel(eventType), targets: candidates(list) });
    }
    if (node.always && node.always.length > 0)
      transitions.push({ label: 'always', targets: candidates(node.always) });
    return {
      id: node.id === root.id ? node.id : short(node.id),
      key: node.key,
      type: node.type,
      children: Object.values(node.states).map(walk),
      transitions,
    };
  };
  return walk(root);
}

/** The ids (`connected`, `connected.session`, `connected.session.live`, …) active in a snapshot value. */
export function activeIds(value: StateValue): Set<string> {
  const out = new Set<string>();
  const visit = (v: StateValue, prefix: string) => {
    if (typeof v === 'string') {
      out.add(prefix + v);
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      out.add(prefix + key);
      if (child !== undefined) visit(child as StateValue, `${prefix}${key}.`);
    }
  };
  visit(value, '');
  return out;
}
