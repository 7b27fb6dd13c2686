import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

interface Edge {
  source: AnyStateNode;
  target: AnyStateNode | undefined;
  label: string;
}

/** A transition's guard as a label fragment (`[name]`, `[!name]` for `not(...)`). */
function guardLabel(guard: unknown): string {
  if (guard === undefined) return '';
  if (typeof guard === 'string') return ` [${guard}]`;
  if (guard && typeof guard === 'object' && 'type' in guard)
    return ` [${String((guard as { type: unknown }).type)}]`;
  return ' [guard]';
}

/** The human name of a transition's event: `after backoff`, `done: reconnectHooks`, `always`. */
export function eventLabel(eventType: string, delay?: unknown): string {
  if (eventType === '') return 'always';
  if (eventType.startsWith('xstate.after.')) return `after ${String(delay ?? eventType.split('.')[2])}`;
  if (eventType.startsWith('xstate.done.actor.'))
    return `done: ${eventType.slice('xstate.done.actor.'.length)}`;
  if (eventType.startsWith('xstate.error.actor.'))
    return `error: ${eventType.slice('xstate.error.actor.'.length)}`;
  return eventType;
}

/** Values of parameterized actions (`recordLoss(code)`, `setCloseReason(reason)`) as ` / a, b`. */
function paramsLabel(actions: readonly unknown[] | undefined): string {
  const values: string[] = [];
  for (const a of actions ?? []) {
    if (a && typeof a === 'object' && 'params' in a) {
      const params = (a as { params?: unknown }).params;
      if (params && typeof params === 'object') values.push(...Object.values(params).map(String));
    }
  }
  return values.length > 0 ? ` / ${values.join(', ')}` : '';
}

/** A transition's label: event, guard and parameter values (`after connectTimeout [shouldRetry] / DDP_CONNECT_TIMEOUT`). */
export function transitionLabel(t: AnyTransitionDefinition): string {
  return (
    eventLabel(t.eventType, (t as { delay?: unknown }).delay) +
    guardLabel(t.guard) +
    paramsLabel(t.actions as readonly unknown[]) +
    ((t.target ?? []).length === 0 ? ' (internal)' : '')
  );
}

/** Keys of one taken transition (one per target), matching {@link machineShape}'s `transitions`. */
export function transitionKeys(t: AnyTransitionDefinition): string[] {
  const targets = (t.target ?? []) as AnyStateNode[];
  const label = transitionLabel(t);
  if (targets.length === 0) return [transitionKey(t.source.id, label, undefined)];
  return targets.map((target) => transitionKey(t.source.id, label, target.id));
}

/** Every state node below `node`, depth first, in definition order. */
export function descendants(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states as Record<string, AnyStateNode>).flatMap((child) => [
    child,
    ...descendants(child),
  ]);
}

/** Every transition of the machine as `{ source, target, label }`, in definition order. */
function edges(machine: AnyStateMachine): Edge[] {
  const out: Edge[] = [];
  for (const node of descendants(machine.root)) {
    const all = [...(node.always ?? []), ...[...node.transitions.values()].flat()];
    for (const t of all) {
      const label = transitionLabel(t);
      const targets = (t.target ?? []) as AnyStateNode[];
      if (targets.length === 0) out.push({ source: node, target: undefined, label });
      for (const target of targets) out.push({ source: node, target, label });
    }
  }
  return out;
}

function ancestors(node: AnyStateNode): AnyStateNode[] {
  const chain: AnyStateNode[] = [];
  for (let n: AnyStateNode | undefined = node.parent; n; n = n.parent) chain.push(n);
  return chain;
}

/**
 * The block an edge is drawn in: the deepest compound state containing both ends, but never a parallel
 * state itself. Lines after a parallel state's last `--` belong to its last region, so Mermaid would
 * read an edge drawn there as part of that region (Mermaid 11 fails with "No such shape: divider" on a
 * region's self-transition); such edges are drawn one level further out, where ids are still global.
 */
function edgeParent(edge: Edge): AnyStateNode {
  const sourceAncestors = ancestors(edge.source);
  let parent: AnyStateNode;
  if (!edge.target) parent = sourceAncestors[0] as AnyStateNode;
  else {
    const targetChain = new Set([edge.target, ...ancestors(edge.target)]);
    parent = sourceAncestors.find((a) => targetChain.has(a)) ?? (sourceAncestors.at(-1) as AnyStateNode);
  }
  while (parent.type === 'parallel' && parent.parent) parent = parent.parent;
  return parent;
}

/**
 * A transition label made safe for Mermaid's `stateDiagram-v2` grammar: a colon is a parse error in
 * Mermaid 10, so `done: reconnectHooks` is written `done(reconnectHooks)` (and any other colon as the
 * entity `#58;`).
 */
export function mermaidLabel(label: string): string {
  return label.replace(/^(done|error): (\S+)/, '$1($2)').replace(/:/g, '#58;');
}

/**
 * Renders a machine as a Mermaid `stateDiagram-v2`: nested and parallel states (regions separated by
 * `--`), initial and final markers, and every transition labelled with its event (`after <delay>` for
 * delayed ones, `always` for eventless ones) and guard; transitions between the same two states share
 * one arrow, a label line each. Deterministic, so the output can be committed and checked for drift;
 * renders in Mermaid 10 and 11.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const all = descendants(machine.root);
  const keyCount = new Map<string, number>();
  for (const n of all) keyCount.set(n.key, (keyCount.get(n.key) ?? 0) + 1);
  const idOf = (n: AnyStateNode) => (keyCount.get(n.key) === 1 ? n.key : n.path.join('_'));

  const byParent = new Map<AnyStateNode, Edge[]>();
  for (const e of edges(machine)) {
    const parent = edgeParent(e);
    byParent.set(parent, [...(byParent.get(parent) ?? []), e]);
  }

  const lines: string[] = ['stateDiagram-v2'];
  const emit = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states as Record<string, AnyStateNode>);
    if (node.type === 'parallel') {
      children.forEach((child, i) => {
        if (i > 0) lines.push(`${indent}--`);
        declare(child, indent);
      });
    } else {
      const initial = (node.initial?.target ?? []) as AnyStateNode[];
      for (const t of initial) lines.push(`${indent}[*] --> ${idOf(t)}`);
      for (const child of children) declare(child, indent);
      for (const child of children) if (child.type === 'final') lines.push(`${indent}${idOf(child)} --> [*]`);
    }
    // Transitions between the same two states share one arrow with one label per line, so the
    // labels of parallel arrows (six ways from awaitingConnect to closed) do not pile up on each other.
    const arrows = new Map<string, string[]>();
    for (const e of byParent.get(node) ?? []) {
      const arrow = `${idOf(e.source)} --> ${e.target ? idOf(e.target) : idOf(e.source)}`;
      arrows.set(arrow, [...(arrows.get(arrow) ?? []), mermaidLabel(e.label)]);
    }
    for (const [arrow, labels] of arrows) lines.push(`${indent}${arrow} : ${labels.join('<br/>')}`);
  };
  const declare = (node: AnyStateNode, indent: string) => {
    const id = idOf(node);
    if (id !== node.key) lines.push(`${indent}state "${node.key}" as ${id}`);
    if (Object.keys(node.states).length > 0) {
      lines.push(`${indent}state ${id} {`);
      emit(node, `${indent}  `);
      lines.push(`${indent}}`);
    } else if (id === node.key) {
      lines.push(`${indent}${id}`);
    }
  };
  emit(machine.root, '  ');
  return `${lines.join('\n')}\n`;
}

/** Counts of a machine's states and transitions (what the coverage check measures against). */
export function machineShape(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const states = descendants(machine.root).map((n) => n.id);
  const transitions = edges(machine).map((e) => transitionKey(e.source.id, e.label, e.target?.id));
  return { states, transitions };
}

/** A stable key for one transition: `source --label--> target`. */
export function transitionKey(source: string, label: string, target: string | undefined): string {
  return `${source} --${label}--> ${target ?? source}`;
}
