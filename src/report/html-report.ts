import { escapeHtml as esc, lineChart, type Series } from './svg-chart.js';

/** A line of `metrics.jsonl`: a logged training step or an evaluation. Unknown numeric keys are charted too. */
export interface MetricRecord {
  kind: 'train' | 'eval';
  step: number;
  [key: string]: unknown;
}

/** Inputs of the training report. */
export interface ReportInput {
  title: string;
  metrics: MetricRecord[];
  /** Rows of the teacher vs student table: the first row is the header. */
  comparison?: string[][];
  confusion?: { labels: string[]; matrix: number[][] };
  /** Extra free-form sections (e.g. compression results), already escaped HTML is NOT accepted: plain tables only. */
  sections?: Array<{ title: string; table: string[][] }>;
  notes?: string[];
}

function series(records: MetricRecord[], keys: string[]): Series[] {
  return keys.map((k) => ({
    name: k,
    points: records.filter((r) => typeof r[k] === 'number').map((r) => [r.step, r[k] as number] as [number, number]),
  }));
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const [head, ...body] = rows;
  const th = head.map((c) => `<th>${esc(c)}</th>`).join('');
  const tb = body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tb}\n</tbody></table>`;
}

function confusionTable(c: { labels: string[]; matrix: number[][] }): string {
  const rows = [['true \\ predicted', ...c.labels], ...c.matrix.map((r, i) => [c.labels[i], ...r.map(String)])];
  return table(rows);
}

/**
 * Renders the self-contained training report (`out/report.html`): loss curves (total, soft, hard), accuracy and
 * agreement over steps, learning rate, the teacher vs student table and the confusion matrix. Inline SVG only: no
 * scripts, no network, readable by opening the file.
 *
 * @example
 * ```ts
 * const html = renderReport({ title: 'tfdistill', metrics: readMetrics('out/metrics.jsonl') });
 * await fs.writeFile('out/report.html', html);
 * ```
 */
export function renderReport(input: ReportInput): string {
  const steps = input.metrics.filter((r) => r.kind === 'train');
  const evals = input.metrics.filter((r) => r.kind === 'eval');
  const charts = [
    lineChart({ title: 'Training loss', xLabel: 'step', series: series(steps, ['loss', 'soft', 'hard']) }),
    lineChart({
      title: 'Validation accuracy and agreement',
      xLabel: 'step',
      series: series(evals, ['accuracy', 'teacherAccuracy', 'agreement']),
    }),
    lineChart({ title: 'Learning rate', xLabel: 'step', series: series(steps, ['lr']) }),
  ];
  const body = [
    `<h1>${esc(input.title)}</h1>`,
    `<p class="meta">Generated ${esc(new Date().toISOString())} by tfdistill. The machine-readable record is metrics.jsonl.</p>`,
    input.comparison ? `<h2>Teacher vs student</h2>\n${table(input.comparison)}` : '',
    `<h2>Curves</h2>\n<div class="charts">${charts.join('\n')}</div>`,
    input.confusion ? `<h2>Confusion matrix (student, validation)</h2>\n${confusionTable(input.confusion)}` : '',
    ...(input.sections ?? []).map((s) => `<h2>${esc(s.title)}</h2>\n${table(s.table)}`),
    input.notes?.length ? `<h2>Notes</h2><ul>${input.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}.charts{display:flex;flex-wrap:wrap;gap:12px}.meta{color:#666}
</style></head><body>
${body.filter(Boolean).join('\n')}
</body></html>
`;
}

/** Parses `metrics.jsonl` text into records, skipping blank or malformed lines (a crash may cut the last one). */
export function parseMetrics(text: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as MetricRecord;
      if ((r.kind === 'train' || r.kind === 'eval') && typeof r.step === 'number') out.push(r);
    } catch {
      // a line cut short by a crash; the rest of the record is still useful
    }
  }
  return out;
}
