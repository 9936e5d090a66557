/** One named series of (x, y) points for a line chart. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Formats an axis tick compactly (3 significant digits, no trailing noise). */
function tick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/**
 * A self-contained SVG line chart (no scripts, no network): axes with 5 ticks each, one polyline per series and a
 * legend. Non-finite points are dropped.
 *
 * @example
 * ```ts
 * const svg = lineChart({ title: 'loss', xLabel: 'step', series: [{ name: 'total', points: [[1, 0.9], [2, 0.5]] }] });
 * ```
 */
export function lineChart(opts: { title: string; xLabel: string; series: Series[]; width?: number; height?: number }): string {
  const W = opts.width ?? 560,
    H = opts.height ?? 260;
  const m = { l: 56, r: 16, t: 28, b: 40 };
  const series = opts.series
    .map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }))
    .filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="8" y="30">${esc(opts.title)}: no data</text></svg>`;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(opts.title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#444"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#444"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4,
      yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<text x="${sx(xv).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">${tick(xv)}</text>`);
    parts.push(`<text x="${m.l - 4}" y="${(sy(yv) + 3).toFixed(1)}" text-anchor="end" font-size="10">${tick(yv)}</text>`);
    parts.push(`<line x1="${m.l}" y1="${sy(yv).toFixed(1)}" x2="${W - m.r}" y2="${sy(yv).toFixed(1)}" stroke="#eee"/>`);
  }
  parts.push(`<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(opts.xLabel)}</text>`);
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts}"/>`);
    parts.push(`<rect x="${W - m.r - 120}" y="${m.t + i * 14}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${W - m.r - 106}" y="${m.t + i * 14 + 4}" font-size="10">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export { esc as escapeHtml };
