/**
 * The SVG chart of `npm run bench -- --scaling`: one panel per series (width, depth, sequence length), each with
 * tfdistill's speed relative to PyTorch's for the cached KD step and the batch-1 forward (above 1 = tfdistill faster).
 * Hand-written: a static chart of two lines in three panels is ~60 lines of SVG, where a charting library (vega,
 * chart.js with a canvas) would add a large dependency for one figure.
 */

/** One measured point. @example `const row: ScalingRow = { series: 'width', x: 256, dModel: 256, ... };` */
export interface ScalingRow {
  series: 'width' | 'depth' | 'sequence';
  /** The value the series varies: width, depth or tokens. */
  x: number;
  dModel: number;
  numLayers: number;
  numHeads: number;
  ffnDim: number;
  seq: number;
  tfdistill: Record<string, number> | { error: string };
  pytorch: Record<string, number> | { error: string };
}

const PANEL = { w: 260, h: 200, left: 40, top: 40, gap: 30 };
const COLORS = { step: '#1f77b4', b1: '#ff7f0e' };
const TITLES = { width: 'width (2 blocks, 128 tokens)', depth: 'depth (width 768, 128 tokens)', sequence: 'tokens (d128 x 2 blocks)' };

/** tfdistill's speed over PyTorch's for one figure of one row, or undefined when a side failed. */
function ratio(row: ScalingRow, figure: 'step' | 'b1'): number | undefined {
  const [t, p] = [row.tfdistill as Record<string, number>, row.pytorch as Record<string, number>];
  const r = figure === 'step' ? t.cachedStepSamplesPerS / p.cachedStepSamplesPerS : p.b1Ms / t.b1Ms;
  return Number.isFinite(r) ? r : undefined;
}

/**
 * The chart as an SVG document.
 *
 * @example
 * ```ts
 * writeFileSync('bench/results/scaling.svg', scalingChart(rows));
 * ```
 */
export function scalingChart(rows: ScalingRow[]): string {
  const ratios = rows.flatMap((r) => [ratio(r, 'step'), ratio(r, 'b1')]).filter((v): v is number => v !== undefined);
  const top = Math.max(1.5, Math.ceil(Math.max(...ratios, 1) * 2) / 2);
  const width = PANEL.left + 3 * (PANEL.w + PANEL.gap);
  const parts: string[] = [];
  (['width', 'depth', 'sequence'] as const).forEach((series, i) => {
    const points = rows.filter((r) => r.series === series);
    const x0 = PANEL.left + i * (PANEL.w + PANEL.gap);
    const y = (v: number) => PANEL.top + PANEL.h - (v / top) * PANEL.h;
    const x = (j: number) => x0 + ((j + 0.5) / points.length) * PANEL.w;
    parts.push(`<text x="${x0 + PANEL.w / 2}" y="${PANEL.top - 10}" text-anchor="middle" font-weight="bold">${TITLES[series]}</text>`);
    parts.push(`<rect x="${x0}" y="${PANEL.top}" width="${PANEL.w}" height="${PANEL.h}" fill="none" stroke="#999"/>`);
    for (let v = 0; v <= top + 1e-9; v += 0.5) {
      parts.push(`<text x="${x0 - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v.toFixed(1)}</text>`);
    }
    parts.push(`<line x1="${x0}" x2="${x0 + PANEL.w}" y1="${y(1)}" y2="${y(1)}" stroke="#444" stroke-dasharray="4 3"/>`);
    points.forEach((p, j) => {
      parts.push(`<text x="${x(j)}" y="${PANEL.top + PANEL.h + 14}" text-anchor="middle" font-size="11">${p.x}</text>`);
    });
    for (const figure of ['step', 'b1'] as const) {
      const coords = points.map((p, j) => [x(j), ratio(p, figure)] as const).filter(([, v]) => v !== undefined);
      const d = coords.map(([cx, v], k) => `${k === 0 ? 'M' : 'L'}${cx.toFixed(1)},${y(v as number).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[figure]}" stroke-width="2"/>`);
      for (const [cx, v] of coords) parts.push(`<circle cx="${cx}" cy="${y(v as number)}" r="3" fill="${COLORS[figure]}"/>`);
    }
  });
  const legendY = PANEL.top + PANEL.h + 40;
  parts.push(
    `<text x="${PANEL.left}" y="${legendY}" font-size="12"><tspan fill="${COLORS.step}">&#9632; cached KD step, batch 32 (samples/s over PyTorch's)</tspan>` +
      `<tspan dx="16" fill="${COLORS.b1}">&#9632; batch-1 forward (PyTorch's ms over ours)</tspan><tspan dx="16" fill="#444">- - PyTorch = 1</tspan></text>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${legendY + 16}" font-family="system-ui, sans-serif" font-size="12">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n<text x="${PANEL.left}" y="18" font-size="14">tfdistill speed relative to PyTorch (above the dashed line: tfdistill faster)</text>\n` +
    `${parts.join('\n')}\n</svg>\n`
  );
}
