/**
 * The terminal view of an {@link EvaluationResult}: a summary block, a per-class table and the confusion matrix.
 */
import type { EvaluationResult } from './evaluate.js';

/**
 * Renders an evaluation as aligned plain-text tables (what `tfdistill eval` prints without `--json`).
 *
 * @example
 * ```ts
 * console.log(formatEvaluation(await evaluate('student/', 'test.csv')));
 * ```
 */
export function formatEvaluation(r: EvaluationResult): string {
  const lines: string[] = [];
  const summary: Array<[string, number | undefined, 'pct' | 'num']> = [
    ['accuracy', r.accuracy, 'pct'],
    ['macro-F1', r.macroF1, 'num'],
    [`ECE (${r.eceBins ?? 15} bins)`, r.ece, 'num'],
    ['teacher accuracy', r.teacherAccuracy, 'pct'],
    ['agreement', r.agreement, 'pct'],
    ['KL(teacher||student)', r.klTeacherStudent, 'num'],
    ['mean cosine', r.meanCosine, 'num'],
    ['Spearman (similarities)', r.spearman, 'num'],
    ['recall@10 (neighbours)', r.recallAt10, 'pct'],
  ];
  lines.push(`rows evaluated: ${r.count}`);
  for (const [name, value, kind] of summary) {
    if (value !== undefined) lines.push(`${name.padEnd(24)}${kind === 'pct' ? `${(100 * value).toFixed(2)}%` : value.toFixed(4)}`);
  }
  if (r.perClass) {
    lines.push(
      '',
      table([
        ['class', 'precision', 'recall', 'f1', 'support'],
        ...r.perClass.map((c) => [c.label, c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]),
      ]),
    );
  }
  if (r.confusion) {
    lines.push(
      '',
      'confusion matrix (rows = gold, columns = predicted)',
      table([['', ...r.labels], ...r.confusion.map((row, i) => [r.labels[i], ...row.map(String)])]),
    );
  }
  return lines.join('\n');
}

/**
 * Left-aligns the first column and right-aligns the others, two spaces apart.
 *
 * @example
 * ```ts
 * table([['a', 'b'], ['xx', '1']]); // 'a    b\nxx   1'
 * ```
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
