/** One named series of [x, y] points. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 640;
const H = 320;
const M = { left: 64, right: 16, top: 36, bottom: 44 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (v <= 0 || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  yMax: number,
  body: string,
  xTicks: string,
): string {
  const ph = H - M.top - M.bottom;
  let yTicks = '';
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = M.top + ph - (ph * i) / 4;
    yTicks += `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#eee"/>`;
    yTicks += `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${esc(short(v))}</text>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>
${yTicks}${xTicks}
<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>
<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
${body}
</svg>
`;
}

function short(v: number): string {
  if (Math.abs(v) >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (Math.abs(v) >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

/** A grouped bar chart: one group per category, one bar per series value. */
export function barChart(
  title: string,
  yLabel: string,
  categories: readonly string[],
  series: readonly { name: string; values: readonly number[] }[],
): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.values.filter(Number.isFinite))));
  const groupW = pw / Math.max(1, categories.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  let body = '';
  let xTicks = '';
  categories.forEach((c, ci) => {
    const gx = M.left + ci * groupW + groupW * 0.1;
    xTicks += `<text x="${gx + groupW * 0.4}" y="${H - M.bottom + 14}" text-anchor="middle">${esc(c)}</text>`;
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const h = Number.isFinite(v) ? (ph * v) / yMax : 0;
      const x = gx + si * barW;
      body += `<rect x="${x.toFixed(1)}" y="${(M.top + ph - h).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${s.name} ${c}: ${short(v)}`)}</title></rect>`;
    });
  });
  body += legend(series.map((s) => s.name));
  return frame(title, '', yLabel, yMax, body, xTicks);
}

/** A line chart of several series sharing the axes. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: readonly Series[]): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = Math.min(0, ...xs);
  const xMax = niceMax(Math.max(1, ...xs) - xMin) + xMin;
  const yMax = niceMax(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const sx = (x: number) => M.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => M.top + ph - (y / yMax) * ph;
  let xTicks = '';
  for (let i = 0; i <= 5; i++) {
    const v = xMin + ((xMax - xMin) * i) / 5;
    xTicks += `<text x="${sx(v)}" y="${H - M.bottom + 14}" text-anchor="middle">${esc(short(v))}</text>`;
  }
  let body = '';
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points
      .map((p, k) => `${k ? 'L' : 'M'}${sx(p[0]).toFixed(1)} ${sy(p[1]).toFixed(1)}`)
      .join('');
    body += `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`;
  });
  body += legend(series.map((s) => s.name));
  return frame(title, xLabel, yLabel, yMax, body, xTicks);
}

function legend(names: readonly string[]): string {
  return names
    .map(
      (n, i) =>
        `<rect x="${M.left + 8}" y="${M.top + 4 + i * 14}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${M.left + 22}" y="${M.top + 13 + i * 14}">${esc(n)}</text>`,
    )
    .join('');
}
