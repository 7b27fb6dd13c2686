import ElkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkNode } from 'elkjs/lib/elk-api.js';
import { useEffect, useMemo, useState } from 'react';
import { activePaths, type Chart, chartFromDefinition, elkGraph } from './chartGraph.js';

// elkjs is CommonJS: its default export is the constructor (the bundled build runs without a worker).
const elk = new (ElkBundled as unknown as new () => ELK)();
const layouts = new Map<string, Promise<ElkNode>>();

/** Lays a definition out once (ELK runs on the page's thread; a chart of ~50 transitions takes ~0.5 s). */
function layoutOf(definition: string, chart: Chart): Promise<ElkNode> {
  const known = layouts.get(definition);
  if (known) return known;
  const layout = elk.layout(elkGraph(chart));
  layouts.set(definition, layout);
  return layout;
}

interface Shape {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
}

function flatten(node: ElkNode, depth: number, out: Shape[]): void {
  for (const child of node.children ?? []) {
    out.push({
      id: child.id,
      x: child.x ?? 0,
      y: child.y ?? 0,
      width: child.width ?? 0,
      height: child.height ?? 0,
      depth,
    });
    flatten(child, depth + 1, out);
  }
}

/** Props of {@link ChartView}. */
export interface ChartViewProps {
  readonly definition: string | undefined;
  /** The state value to highlight. */
  readonly value: unknown;
  /** The state value before it (to find the transition just taken), if any. */
  readonly previous: unknown;
  /** The event that led to `value`. */
  readonly eventType: string | undefined;
}

/**
 * The statechart drawn from the machine definition: nested states laid out by ELK, transitions as
 * arrows with their events, the active states highlighted and the transition just taken animated.
 */
export function ChartView({ definition, value, previous, eventType }: ChartViewProps) {
  const chart = useMemo(() => chartFromDefinition(definition), [definition]);
  const [layout, setLayout] = useState<ElkNode | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const [fit, setFit] = useState(true);
  useEffect(() => {
    setLayout(undefined);
    if (!definition || !chart) return;
    let live = true;
    layoutOf(definition, chart).then(
      (l) => live && setLayout(l),
      (err: unknown) => live && setFailed(String(err)),
    );
    return () => {
      live = false;
    };
  }, [definition, chart]);

  const active = useMemo(() => activePaths(value), [value]);
  const before = useMemo(() => (previous === undefined ? undefined : activePaths(previous)), [previous]);
  if (!chart)
    return <p className="muted">No machine definition for this actor (it is not a state machine).</p>;
  if (failed) return <p className="error">Layout failed: {failed}</p>;
  if (!layout)
    return (
      <p className="muted" data-testid="chart-loading">
        Laying out the chart…
      </p>
    );

  const shapes: Shape[] = [];
  flatten(layout, 0, shapes);
  const byPath = new Map<string, { key: string; type: string }>();
  const visit = (s: Chart['root']) => {
    byPath.set(s.path, { key: s.key, type: s.type });
    for (const c of s.children) visit(c);
  };
  visit(chart.root);
  const edgesById = new Map(chart.edges.map((e) => [e.id, e]));
  const width = layout.width ?? 0;
  const height = layout.height ?? 0;

  return (
    <div className={`chart-box${fit ? ' fit' : ''}`}>
      <button type="button" className="zoom" onClick={() => setFit(!fit)} data-testid="chart-zoom">
        {fit ? 'actual size' : 'fit'}
      </button>
      <svg
        className="chart"
        data-testid="chart"
        viewBox={`-4 -4 ${width + 8} ${height + 8}`}
        width={fit ? '100%' : width + 8}
        style={fit ? { maxHeight: '72vh' } : undefined}
        role="img"
        aria-label="statechart"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
          </marker>
        </defs>
        {shapes.map((s) => {
          if (s.id.startsWith('i:')) {
            return (
              <circle key={s.id} className="initial" cx={s.x + s.width / 2} cy={s.y + s.height / 2} r={5} />
            );
          }
          const path = s.id.slice(2);
          const info = byPath.get(path);
          const isActive = active.has(path);
          const compound = info?.type === 'compound' || info?.type === 'parallel';
          return (
            <g
              key={s.id}
              className={`state ${compound ? 'compound' : 'atomic'} ${info?.type ?? ''}${isActive ? ' active' : ''}`}
              data-state={path}
              data-active={isActive ? 'true' : 'false'}
            >
              <rect x={s.x} y={s.y} width={s.width} height={s.height} rx={compound ? 10 : 8} />
              {info?.type === 'final' && (
                <rect
                  className="final-inner"
                  x={s.x + 3}
                  y={s.y + 3}
                  width={s.width - 6}
                  height={s.height - 6}
                  rx={6}
                />
              )}
              <text x={s.x + 10} y={compound ? s.y + 18 : s.y + s.height / 2 + 4}>
                {info?.key ?? path}
                {info?.type === 'parallel' ? ' ∥' : ''}
              </text>
            </g>
          );
        })}
        {(layout.edges ?? []).map((edge) => {
          const e = edgesById.get(edge.id);
          const sections = (edge as { sections?: Array<{ startPoint: Pt; endPoint: Pt; bendPoints?: Pt[] }> })
            .sections;
          if (!sections) return null;
          const d = sections
            .map((sec) =>
              [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]
                .map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`)
                .join(' '),
            )
            .join(' ');
          const taken =
            e !== undefined &&
            before !== undefined &&
            e.eventType === eventType &&
            before.has(e.source) &&
            active.has(e.target);
          const label = edge.labels?.[0];
          return (
            <g
              key={`${edge.id}${taken ? ':taken' : ''}`}
              className={`edge${taken ? ' taken' : ''}${e ? '' : ' initial-edge'}`}
              data-edge={e ? `${e.source}->${e.target}` : undefined}
              data-event={e?.eventType}
              data-taken={taken ? 'true' : 'false'}
            >
              <path d={d} markerEnd="url(#arrow)" />
              {e && <title>{`${e.source} → ${e.target}: ${e.label}`}</title>}
              {label && e && (
                <text x={(label.x ?? 0) + 3} y={(label.y ?? 0) + 11}>
                  {e.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

interface Pt {
  readonly x: number;
  readonly y: number;
}
