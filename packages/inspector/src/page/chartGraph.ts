import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { createMachine, type StateValue } from 'xstate';

/** A state of the drawn chart. */
export interface ChartState {
  /** Its path from the root, dotted (`connected.session.live`); '' for the root. */
  readonly path: string;
  readonly key: string;
  readonly type: string;
  readonly children: readonly ChartState[];
}

/** A transition of the drawn chart (one per target). */
export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** The event as people read it (`after backoff`, `TRANSPORT.OPEN`, `always`), with its guard. */
  readonly label: string;
  /** The raw event type (matched against the event a snapshot came from). */
  readonly eventType: string;
}

/** A machine's states and transitions, read from its definition (the JSON config producers send). */
export interface Chart {
  readonly root: ChartState;
  readonly edges: readonly ChartEdge[];
  /** Compound states' initial children, as edges from a dot. */
  readonly initials: ReadonlyArray<{ readonly parent: string; readonly target: string }>;
}

interface NodeLike {
  readonly key: string;
  readonly type: string;
  readonly path: readonly string[];
  readonly states: Record<string, NodeLike>;
  readonly transitions: ReadonlyMap<string, ReadonlyArray<{ target?: readonly NodeLike[]; guard?: unknown }>>;
  readonly always?: ReadonlyArray<{ target?: readonly NodeLike[]; guard?: unknown }>;
  readonly initial?: { target: readonly NodeLike[] };
}

/** `after backoff` for `xstate.after.backoff.ddpClient.waiting`, `hooks done` for done events. */
export function eventLabel(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.done\.actor\.(.+)$/.exec(type);
  if (done) return `${done[1]} done`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(type);
  if (error) return `${error[1]} failed`;
  return type;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (guard !== null && typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'guard';
}

/** Reads a chart from a machine definition (JSON); undefined when it is not a state machine. */
export function chartFromDefinition(definition: string | undefined): Chart | undefined {
  if (!definition) return undefined;
  let root: NodeLike;
  try {
    const config = JSON.parse(definition) as Record<string, unknown>;
    if (!config || typeof config !== 'object' || !config.states) return undefined;
    root = createMachine(config as Parameters<typeof createMachine>[0]).root as unknown as NodeLike;
  } catch {
    return undefined;
  }
  const edges: ChartEdge[] = [];
  const initials: Array<{ parent: string; target: string }> = [];
  const walk = (node: NodeLike): ChartState => {
    const path = node.path.join('.');
    const add = (eventType: string, list: NodeLike['always']) => {
      for (const t of list ?? []) {
        const guard = guardName(t.guard);
        const label = guard ? `${eventLabel(eventType)} [${guard}]` : eventLabel(eventType);
        const targets = t.target && t.target.length > 0 ? t.target : [node];
        for (const target of targets)
          edges.push({
            id: `e${edges.length}`,
            source: path,
            target: target.path.join('.'),
            label,
            eventType,
          });
      }
    };
    for (const [eventType, list] of node.transitions) add(eventType, list);
    if (node.always) add('always', node.always);
    const initial = node.initial?.target[0];
    if (node.type === 'compound' && initial) initials.push({ parent: path, target: initial.path.join('.') });
    return { path, key: node.key, type: node.type, children: Object.values(node.states).map(walk) };
  };
  return { root: walk(root), edges, initials };
}

/** The dotted paths (`connected`, `connected.session`, ...) active in a snapshot value. */
export function activePaths(value: unknown): Set<string> {
  const out = new Set<string>(['']);
  const visit = (v: StateValue | undefined, prefix: string) => {
    if (v === undefined || v === null) return;
    if (typeof v === 'string') {
      out.add(prefix + v);
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      out.add(prefix + key);
      visit(child as StateValue, `${prefix}${key}.`);
    }
  };
  visit(value as StateValue, '');
  return out;
}

const CHAR = 6.6; // px per character of the 11px monospace labels
const nodeId = (path: string) => `s:${path}`;

/** The ELK graph of a chart: states as nested nodes, transitions as labelled edges, all in root coordinates. */
export function elkGraph(chart: Chart): ElkNode {
  const toNode = (s: ChartState): ElkNode => {
    const title = s.key.length * 7.5 + 24;
    if (s.children.length === 0) return { id: nodeId(s.path), width: Math.max(70, title), height: 34 };
    const children = s.children.map(toNode);
    const initial = chart.initials.find((i) => i.parent === s.path);
    if (initial) children.unshift({ id: `i:${s.path}`, width: 10, height: 10 });
    return {
      id: nodeId(s.path),
      children,
      layoutOptions: {
        'elk.padding': '[top=30,left=14,bottom=14,right=14]',
        'elk.direction': s.type === 'parallel' ? 'RIGHT' : 'DOWN',
        'elk.nodeSize.minimum': `(${title}, 40)`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      },
    };
  };
  const edges: ElkExtendedEdge[] = chart.edges
    .filter((e) => e.source !== '')
    .map((e) => ({
      id: e.id,
      sources: [nodeId(e.source)],
      targets: [nodeId(e.target)],
      labels: [{ id: `${e.id}:l`, text: e.label, width: e.label.length * CHAR + 6, height: 14 }],
    }));
  for (const i of chart.initials) {
    if (i.parent === '') continue;
    edges.push({ id: `i:${i.parent}:e`, sources: [`i:${i.parent}`], targets: [nodeId(i.target)] });
  }
  const top = chart.root.children.map(toNode);
  const rootInitial = chart.initials.find((i) => i.parent === '');
  if (rootInitial) {
    top.unshift({ id: 'i:', width: 10, height: 10 });
    edges.push({ id: 'i::e', sources: ['i:'], targets: [nodeId(rootInitial.target)] });
  }
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '24',
      'elk.spacing.edgeLabel': '2',
      'elk.spacing.edgeEdge': '4',
      'elk.spacing.edgeNode': '8',
      'elk.layered.spacing.edgeEdgeBetweenLayers': '4',
      'elk.layered.spacing.edgeNodeBetweenLayers': '8',
      'elk.edgeLabels.inline': 'true',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
    },
    children: top,
    edges,
  };
}
