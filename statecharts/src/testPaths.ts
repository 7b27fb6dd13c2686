/**
 * `@ddpx/statecharts/testing`: paths through the charts for model-based tests, generated with
 * `xstate/graph`. A subpath of its own, so the main entry (what a client or server loads) never pulls in
 * the graph utilities.
 *
 * @module testing
 */
import {
  type AnyStateMachine,
  type EventObject,
  getInitialSnapshot,
  getNextSnapshot,
  type SnapshotFrom,
  type StateValue,
} from 'xstate';
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from 'xstate/graph';
import { clientConnectionMachine } from './clientConnectionMachine.js';
import type { ClientConnectionEvent, ClientConnectionInput, ClientStatus } from './clientConnectionTypes.js';
import { descendants, transitionKeys } from './diagram.js';
import { statusFromSnapshot } from './status.js';

type ClientSnapshot = SnapshotFrom<typeof clientConnectionMachine>;

/** The client machine's named delays. */
export type ClientDelayName = 'connectTimeout' | 'backoff' | 'heartbeatInterval' | 'heartbeatTimeout';

/**
 * One thing to do to a connection in a test path: send a chart event (through the matching API or a
 * scripted server/transport), let a timer run out (`TIMER`: advance the clock by `ms`), or let the
 * reconnect hooks settle (`HOOKS.SETTLED`, `ok: false` for a rejecting hook).
 */
export type ConnectionTestEvent =
  | ClientConnectionEvent
  | { type: 'TIMER'; delay: ClientDelayName; ms: number }
  | { type: 'HOOKS.SETTLED'; ok: boolean };

/** One step of a path: the event, then the status object the connection must show. */
export interface ConnectionTestStep {
  readonly event: ConnectionTestEvent;
  /** The status after the event; `retryTime` assumes the clock started at `startTime` and moved only on `TIMER` steps. */
  readonly expectedStatus: ClientStatus;
  /** The chart's state value after the event (for tests that look deeper than the status). */
  readonly state: StateValue;
  /** Simulated ms elapsed since the path started, after this step. */
  readonly elapsed: number;
}

/** A path through the client chart, from a fresh connection. */
export interface ConnectionTestPath {
  /** Human-readable: the events in order and the final state. */
  readonly description: string;
  /** The input the path was computed with (configure your connection the same way). */
  readonly input: ClientConnectionInput;
  /** Epoch ms the path's clock starts at (`retryTime` values count from it). */
  readonly startTime: number;
  /** The status right after creating the connection. */
  readonly initialStatus: ClientStatus;
  readonly steps: readonly ConnectionTestStep[];
}

/** Options for {@link connectionTestPaths}. */
export interface ConnectionTestPathsOptions {
  /**
   * `'shortest'`: one shortest path to every distinct state (status, regions, capped retryCount, session,
   * suggested version, pending quiescence). `'simple'`: every simple path over the coarse status graph (top-level state only),
   * which walks each status-to-status route once. `'transitions'`: for every distinct transition
   * (source state value, event, chart transitions taken, target state value) a shortest path to its source plus that event, so
   * every transition of the chart is taken at least once. @default 'shortest'
   */
  algorithm?: 'shortest' | 'simple' | 'transitions';
  /**
   * Inputs to explore; each yields its own paths. `retry: false` and `autoConnect: false` reach states the
   * default input cannot. @default [{}, { retry: false }, { autoConnect: false }]
   */
  variants?: readonly Partial<ClientConnectionInput>[];
  /** Merged into every variant. `random` defaults to `() => 0.5` so jittered waits are predictable. */
  input?: Partial<ClientConnectionInput>;
  /** Epoch ms the test clock starts at, for `expectedStatus.retryTime`. @default 0 */
  startTime?: number;
  /** retryCount values above this are one state for the traversal. @default 3 */
  maxRetryCount?: number;
  /** Only paths whose final status matches. */
  endingIn?: ClientStatus['status'];
  /** The machine to walk (a `.provide()`d client machine). @default clientConnectionMachine */
  machine?: AnyStateMachine;
}

/** The events a path may use, with the payloads the traversal explores. */
export const EXPLORED_CLIENT_EVENTS: readonly ClientConnectionEvent[] = Object.freeze([
  { type: 'TRANSPORT.OPEN' },
  { type: 'TRANSPORT.CLOSED', code: 1006, reason: '' },
  { type: 'TRANSPORT.ERROR', error: 'ECONNREFUSED' },
  { type: 'DDP.CONNECTED', session: 'S1' },
  { type: 'DDP.CONNECTED', session: 'S2' },
  { type: 'DDP.FAILED', version: 'pre2' },
  { type: 'DDP.FAILED', version: '0.9' },
  { type: 'DDP.ACTIVITY' },
  { type: 'QUIESCENCE.REACHED' },
  { type: 'RECONNECT' },
  { type: 'RECONNECT', force: true },
  { type: 'RECONNECT', url: 'ws://other.example/websocket' },
  { type: 'DISCONNECT' },
  { type: 'CLOSE' },
  { type: 'NETWORK.ONLINE' },
  { type: 'NETWORK.OFFLINE' },
  { type: 'PAGE.VISIBLE' },
] as ClientConnectionEvent[]);

/** The machine's internal events (timers, invoked-actor completion) the traversal also sends. */
function internalEvents(machine: AnyStateMachine): EventObject[] {
  const out: EventObject[] = [];
  for (const node of descendants(machine.root)) {
    for (const type of node.transitions.keys()) {
      if (type.startsWith('xstate.after.')) out.push({ type });
    }
    for (const inv of node.invoke) {
      out.push({ type: `xstate.done.actor.${inv.id}` }, { type: `xstate.error.actor.${inv.id}` });
    }
  }
  return out;
}

/** Turns a graph event into a path event, given the snapshot it was sent in. */
function toTestEvent(event: EventObject, before: ClientSnapshot): ConnectionTestEvent {
  if (event.type.startsWith('xstate.after.')) {
    const delay = event.type.split('.')[2] as ClientDelayName;
    const c = before.context;
    const { config } = c;
    const ms = {
      connectTimeout: Math.max(0, config.connectTimeoutMs - Math.max(0, config.now() - c.attemptStartedAt)),
      backoff: c.retryDelay,
      heartbeatInterval: config.heartbeatInterval,
      heartbeatTimeout: config.heartbeatTimeout,
    }[delay];
    return { type: 'TIMER', delay, ms };
  }
  if (event.type.startsWith('xstate.done.actor.')) return { type: 'HOOKS.SETTLED', ok: true };
  if (event.type.startsWith('xstate.error.actor.')) return { type: 'HOOKS.SETTLED', ok: false };
  return event as ClientConnectionEvent;
}

/** A short label for an event in a path description. */
export function describeTestEvent(e: ConnectionTestEvent): string {
  switch (e.type) {
    case 'TIMER':
      return `after ${e.delay}`;
    case 'HOOKS.SETTLED':
      return e.ok ? 'hooks settled' : 'hook rejected';
    case 'DDP.CONNECTED':
      return `DDP.CONNECTED(${e.session})`;
    case 'DDP.FAILED':
      return `DDP.FAILED(${e.version})`;
    case 'RECONNECT':
      return e.force ? 'RECONNECT(force)' : e.url ? 'RECONNECT(url)' : 'RECONNECT';
    default:
      return e.type;
  }
}

function stateLabel(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([k, v]) => (typeof v === 'string' ? `${k}.${v}` : `${k}(${stateLabel(v as StateValue)})`))
    .join(', ');
}

/** Traversal options for {@link eventPaths}. */
export interface EventPathsTraversal {
  input: unknown;
  /** Events to try in each state (a list, or a function of the snapshot). */
  events: readonly EventObject[] | ((snapshot: never) => readonly EventObject[]);
  /** The finite state key. */
  serializeState: (snapshot: never) => string;
}

/**
 * Event sequences through any machine, from its initial state (the first entry is `xstate.init`):
 * `'shortest'` (getShortestPaths: one per state key), `'simple'` (getSimplePaths), or `'transitions'`
 * (a shortest path to the source of every distinct transition, plus that transition's event: distinct
 * by state value, event, the transitions taken, and the next state value).
 */
export function eventPaths(
  machine: AnyStateMachine,
  algorithm: 'shortest' | 'simple' | 'transitions',
  traversal: EventPathsTraversal,
): EventObject[][] {
  const t = traversal as never;
  const toEvents = (p: { steps: { event: EventObject }[] }) => p.steps.map((step) => step.event);
  if (algorithm === 'simple') return getSimplePaths(machine, t).map(toEvents);
  const shortest = getShortestPaths(machine, t);
  if (algorithm === 'shortest') return shortest.map(toEvents);
  const serialize = traversal.serializeState as unknown as (s: unknown) => string;
  const toKey = new Map(shortest.map((p) => [serialize(p.state), toEvents(p)]));
  const adjacency = getAdjacencyMap(machine, t) as Record<
    string,
    { state: ClientSnapshot; transitions: Record<string, { event: EventObject; state: ClientSnapshot }> }
  >;
  const chosen = new Map<string, EventObject[]>();
  for (const [key, { state, transitions }] of Object.entries(adjacency)) {
    const prefix = toKey.get(key);
    if (!prefix) continue;
    for (const { event, state: next } of Object.values(transitions)) {
      if (next === state || next.status === 'error') continue; // ignored here (or fatal)
      // The transitions taken tell apart guarded branches that lead to the same state value.
      const taken = machine
        .getTransitionData(state as never, event)
        .flatMap((t) => transitionKeys(t))
        .join(',');
      const edge = `${JSON.stringify(state.value)}|${event.type}|${taken}|${JSON.stringify(next.value)}`;
      const candidate = [...prefix, event];
      const current = chosen.get(edge);
      if (!current || candidate.length < current.length) chosen.set(edge, candidate);
    }
  }
  return [...chosen.values()];
}

/**
 * Paths through the client connection chart, each a list of `{ event, expectedStatus }` steps from a
 * fresh connection, computed with `xstate/graph` from the real machine. Drive your own app (its
 * connection bound to a fake transport and a simulated clock) through them to see every connection
 * state in your UI; see docs/model-based-testing.md.
 */
export function connectionTestPaths(options: ConnectionTestPathsOptions = {}): ConnectionTestPath[] {
  const machine = options.machine ?? clientConnectionMachine;
  const cap = options.maxRetryCount ?? 3;
  const startTime = options.startTime ?? 0;
  const variants = options.variants ?? [{}, { retry: false }, { autoConnect: false }];
  const internal = internalEvents(machine);
  // Completion events only where their actor runs (an unhandled actor error would fail the machine).
  const events = (s: ClientSnapshot) => [
    ...EXPLORED_CLIENT_EVENTS,
    ...internal.filter((e) => {
      const m = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(e.type);
      return !m || (m[1] as string) in s.children;
    }),
  ];
  const fine = (s: ClientSnapshot) =>
    JSON.stringify({
      v: s.value,
      r: Math.min(s.context.retryCount, cap),
      s: s.context.session ?? null,
      vs: s.context.versionSuggestion ?? null,
      i: s.context.inboundSinceTick,
      q: s.context.quiescencePending,
    });
  const coarse = (s: ClientSnapshot) =>
    JSON.stringify(typeof s.value === 'string' ? s.value : Object.keys(s.value));
  const out: ConnectionTestPath[] = [];
  for (const variant of variants) {
    const input: ClientConnectionInput = {
      url: 'ws://example.test/websocket',
      random: () => 0.5,
      ...options.input,
      ...variant,
    };
    const paths = eventPaths(machine, options.algorithm ?? 'shortest', {
      input,
      events: events as never,
      serializeState: (options.algorithm === 'simple' ? coarse : fine) as never,
    });
    for (const path of paths) {
      // The graph merges snapshots that share a state key (retryCount is capped), so its per-step
      // snapshots may come from a different route. Only its events are used: the expected snapshots are
      // recomputed by running those events through the machine from the initial snapshot.
      const graphSteps = path.map((event) => ({ event }));
      const first = { state: getInitialSnapshot(machine, input) as ClientSnapshot };
      let elapsed = 0;
      let before = first.state;
      const steps: ConnectionTestStep[] = [];
      for (const { event: graphEvent } of graphSteps.slice(1)) {
        const after = getNextSnapshot(machine, before, graphEvent as never) as ClientSnapshot;
        const event = toTestEvent(graphEvent, before);
        if (event.type === 'TIMER') elapsed += event.ms;
        const status = statusFromSnapshot(after);
        const expectedStatus =
          status.retryTime === undefined
            ? status
            : Object.freeze({ ...status, retryTime: startTime + elapsed + after.context.retryDelay });
        steps.push({ event, expectedStatus, state: after.value, elapsed });
        before = after;
      }
      const final = steps.at(-1);
      const finalValue: StateValue = final ? final.state : first.state.value;
      if (
        options.endingIn &&
        (final?.expectedStatus.status ?? statusFromSnapshot(first.state).status) !== options.endingIn
      )
        continue;
      const variantLabel = Object.keys(variant).length ? ` ${JSON.stringify(variant)}` : '';
      out.push({
        description: `${steps.length ? steps.map((s) => describeTestEvent(s.event)).join(' → ') : 'start'} ⇒ ${stateLabel(finalValue)}${variantLabel}`,
        input,
        startTime,
        initialStatus: statusFromSnapshot(first.state),
        steps,
      });
    }
  }
  return out;
}
