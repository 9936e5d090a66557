import * as tf from '@tensorflow/tfjs';

/**
 * Mean of `values` over the positions where `mask` is nonzero; plain mean without a mask.
 * `mask` must broadcast to `values` (e.g. [batch, 1, seq] against [batch, heads, seq]). Masked
 * positions are selected away with `where`, not multiplied by 0, so garbage (even NaN) there can
 * not leak into the loss or its gradient. An all-masked batch gives 0, not NaN.
 *
 * @param values [...]
 * @param mask broadcastable to `values`, 1 = counted
 * @returns scalar
 * @example
 * ```ts
 * const loss = maskedMean(perToken, attentionMask); // perToken [batch, seq], mask [batch, seq]
 * ```
 */
export function maskedMean(values: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (mask === undefined) return values.mean();
    const keep = tf.broadcastTo(mask.cast('bool'), values.shape);
    const kept = tf.where(keep, values, tf.zerosLike(values));
    const count = keep.cast('float32').sum().maximum(1);
    return kept.sum().div(count) as tf.Scalar;
  });
}
