import * as tf from '@tensorflow/tfjs';
import type { LossOutput } from './step.js';

/**
 * The loss of `lossFn` (total and named terms, unscaled) and the gradients of `scaleLoss(total)` (or of `total`)
 * with respect to `variables` only. The caller owns every returned tensor; nothing else survives. Variables the loss
 * does not reach have no entry in `grads`.
 *
 * @example
 * ```ts
 * const { total, terms, grads } = lossAndGradients(lossFn, variables, (t) => tf.mul(t, 1024));
 * ```
 */
export function lossAndGradients(
  lossFn: () => LossOutput,
  variables: tf.Variable[],
  scaleLoss?: (total: tf.Scalar) => tf.Scalar,
): LossOutput & { grads: tf.NamedTensorMap } {
  let kept: LossOutput | undefined;
  let computed: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    computed = tf.variableGrads(() => {
      const out = lossFn();
      // variableGrads runs this inside a tidy; keep the unscaled values so they reach the caller.
      kept = { total: tf.keep(out.total), terms: Object.fromEntries(Object.entries(out.terms).map(([k, t]) => [k, tf.keep(t)])) };
      return scaleLoss ? scaleLoss(out.total) : out.total;
    }, variables);
  } catch (e) {
    if (kept) tf.dispose([kept.total, ...Object.values(kept.terms)]);
    throw e;
  }
  const { total, terms } = kept!;
  if (computed.value !== total) computed.value.dispose();
  return { total, terms, grads: computed.grads };
}
