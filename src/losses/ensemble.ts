import { require_ } from '../errors.js';

/**
 * Soft targets of several teachers (multi-teacher distillation, as TextBrewer's MultiTeacherDistiller), on the host
 * in float64:
 *  - `combine: 'probabilities'` (the default): p = sum_i w_i softmax(z_i / T), returned as the logits T log p, whose
 *    softmax at T is exactly p. The KD loss then takes the ensemble like one teacher (at that fixed T);
 *  - `combine: 'logits'`: sum_i w_i z_i.
 * Weights are normalised to sum to 1.
 */

/** How teachers' outputs are combined. */
export type EnsembleCombine = 'probabilities' | 'logits';

/**
 * The ensemble's logits for `rows` rows of `classes` classes from each teacher's row-major logits.
 *
 * @example
 * ```ts
 * const targets = ensembleLogits([bertLogits, lrLogits], [0.7, 0.3], { rows, classes: 2, temperature: 4 });
 * ```
 */
export function ensembleLogits(
  teachers: readonly ArrayLike<number>[],
  weights: readonly number[],
  opts: { rows: number; classes: number; temperature: number; combine?: EnsembleCombine },
): Float32Array {
  const { rows, classes, temperature: t } = opts;
  const combine = opts.combine ?? 'probabilities';
  require_(teachers.length >= 1, 'an ensemble needs at least one teacher');
  require_(
    weights.length === teachers.length,
    `${weights.length} weights for ${teachers.length} teachers`,
    'give one weight per teacher (e.g. --teacher-weights 0.5,0.5)',
  );
  require_(weights.every((w) => Number.isFinite(w) && w >= 0) && weights.some((w) => w > 0), 'teacher weights must be >= 0, not all 0');
  require_(Number.isFinite(t) && t > 0, `the temperature must be > 0, got ${t}`);
  teachers.forEach((z, i) => {
    require_(z.length === rows * classes, `teacher ${i + 1} gives ${z.length} values, expected ${rows} rows x ${classes} classes`);
  });
  const total = weights.reduce((s, w) => s + w, 0);
  const w = weights.map((x) => x / total);
  const out = new Float32Array(rows * classes);
  const row = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    row.fill(0);
    for (let i = 0; i < teachers.length; i++) {
      const z = teachers[i];
      if (combine === 'logits') {
        for (let c = 0; c < classes; c++) row[c] += w[i] * z[r * classes + c];
        continue;
      }
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, z[r * classes + c] / t);
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(z[r * classes + c] / t - max);
      for (let c = 0; c < classes; c++) row[c] += (w[i] * Math.exp(z[r * classes + c] / t - max)) / sum;
    }
    for (let c = 0; c < classes; c++) out[r * classes + c] = combine === 'logits' ? row[c] : t * Math.log(row[c]);
  }
  return out;
}
