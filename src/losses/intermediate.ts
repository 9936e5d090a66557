import * as tf from '@tensorflow/tfjs';
import type { EncoderOutputs } from '../models/types.js';
import { checkIntermediateShapes, intermediateShapesOf } from './check-shapes.js';
import type { IntermediateSpec } from './intermediate-spec.js';
import type { Projection } from './projection.js';
import { intermediateLosses, type IntermediateLossName } from './registry.js';

/**
 * Options of {@link intermediateLoss}.
 *
 * @example
 * ```ts
 * intermediateLoss(s, t, specs, { mask, projections: { 0: proj, 1: proj } });
 * ```
 */
export interface IntermediateLossOptions {
  /** [batch, seq], 1 = real token. */
  mask?: tf.Tensor;
  /** Keyed by student block; required for hidden losses whose widths differ. May share one object. */
  projections?: Readonly<Record<number, Projection>>;
}

/**
 * One weighted term of {@link intermediateLoss}.
 *
 * @example
 * ```ts
 * for (const term of terms) console.log(term.loss, term.studentBlock, term.value.dataSync()[0]);
 * ```
 */
export interface IntermediateTerm {
  loss: IntermediateLossName;
  studentBlock: number;
  teacherBlock: number;
  weight: number;
  /** The unweighted loss value. */
  value: tf.Scalar;
}

/**
 * Sum of weighted intermediate-layer losses:
 *   total = sum over specs, sum over [s, t] in spec.layerMap of spec.weight * loss(student[s], teacher[t])
 * Shapes are checked first with {@link checkIntermediateShapes}. `total` and every `terms[i].value`
 * are owned by the caller (inside `optimizer.minimize` they are disposed with its scope).
 *
 * @example
 * ```ts
 * const { total, terms } = intermediateLoss(studentOut, teacherOut, specs, { mask, projections });
 * ```
 */
export function intermediateLoss(
  studentOutputs: EncoderOutputs,
  teacherOutputs: EncoderOutputs,
  specs: readonly IntermediateSpec[],
  options: IntermediateLossOptions = {},
): { total: tf.Scalar; terms: IntermediateTerm[] } {
  const { mask, projections } = options;
  checkIntermediateShapes(intermediateShapesOf(studentOutputs), intermediateShapesOf(teacherOutputs), specs, { projections });
  return tf.tidy(() => {
    const terms: IntermediateTerm[] = [];
    let total: tf.Scalar = tf.scalar(0);
    for (const spec of specs) {
      const { reads, compute } = intermediateLosses[spec.loss];
      for (const [studentBlock, teacherBlock] of spec.layerMap) {
        // Both arrays exist with these indices: checkIntermediateShapes ran above.
        const s = studentOutputs[reads]![studentBlock];
        const t = teacherOutputs[reads]![teacherBlock];
        const value = compute(s, t, { mask, projection: projections?.[studentBlock] });
        terms.push({ loss: spec.loss, studentBlock, teacherBlock, weight: spec.weight, value });
        total = total.add(value.mul(spec.weight));
      }
    }
    // tidy keeps tensors found in the returned object, so the term values survive with `total`.
    return { total, terms: terms as unknown as tf.TensorContainer[] };
  }) as unknown as { total: tf.Scalar; terms: IntermediateTerm[] };
}
