import type { ServerRecord } from '../model.js';

const COLORS: Record<string, string> = {
  established: '#2e7d32',
  detached: '#ef6c00',
  awaitingConnect: '#1565c0',
  negotiating: '#6a1b9a',
  departing: '#795548',
  resumes: '#c2185b',
  closed: '#616161',
};

const REASON_COLORS = ['#616161', '#8d6e63', '#455a64', '#9e9d24', '#00838f', '#ad1457'];
const reasonColor = new Map<string, string>();

function colorOf(name: string): string {
  const known = COLORS[name];
  if (known) return known;
  let color = reasonColor.get(name);
  if (!color) {
    color = REASON_COLORS[reasonColor.size % REASON_COLORS.length]!;
    reasonColor.set(name, color);
  }
  return color;
}

/** Sessions by state, resumes and closes (by reason) over time (the server's `@ddpx.sessions` samples). */
export function CountsPlot({ server }: { server: ServerRecord }) {
  const series = server.series.slice(-300);
  const width = 640;
  const height = 140;
  if (series.length < 2) return <p className="muted">Plot starts after two samples.</p>;
  const states = new Set<string>();
  for (const p of series) for (const s of Object.keys(p.counts.byState)) states.add(s);
  const reasons = new Set<string>();
  for (const p of series) for (const r of Object.keys(p.counts.closes)) reasons.add(r);
  const lines: Array<{ name: string; values: number[] }> = [
    ...[...states].map((s) => ({ name: s, values: series.map((p) => p.counts.byState[s] ?? 0) })),
    { name: 'resumes', values: series.map((p) => p.counts.resumes) },
    ...[...reasons].map((r) => ({
      name: `closed: ${r}`,
      values: series.map((p) => p.counts.closes[r] ?? 0),
    })),
  ];
  const max = Math.max(1, ...lines.flatMap((l) => l.values));
  const t0 = series[0]!.at;
  const t1 = series[series.length - 1]!.at;
  const x = (at: number) => ((at - t0) / Math.max(1, t1 - t0)) * (width - 40) + 30;
  const y = (v: number) => height - 16 - (v / max) * (height - 26);
  return (
    <figure className="plot" data-testid="counts-plot">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label="sessions over time">
        <line x1={30} x2={width - 10} y1={y(0)} y2={y(0)} className="axis" />
        <text x={2} y={y(max) + 4} className="tick">
          {max}
        </text>
        <text x={2} y={y(0) + 4} className="tick">
          0
        </text>
        <text x={30} y={height - 2} className="tick">
          {Math.round((t1 - t0) / 1000)} s shown
        </text>
        {lines.map((l) => (
          <polyline
            key={l.name}
            fill="none"
            stroke={colorOf(l.name)}
            strokeWidth={1.6}
            strokeDasharray={l.name === 'resumes' || l.name.startsWith('closed') ? '4 2' : undefined}
            points={l.values.map((v, i) => `${x(series[i]!.at)},${y(v)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption>
        {lines.map((l) => (
          <span key={l.name} className="legend">
            <i style={{ background: colorOf(l.name) }} />
            {l.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
