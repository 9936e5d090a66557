import * as tf from '@tensorflow/tfjs';

/**
 * The pieces of a softmax along the last axis, kept apart for accurate losses.
 *
 * @example
 * ```ts
 * const { max, sum } = softmaxParts(x);
 * const lse = max.add(sum.log()); // [...lead, 1]
 * ```
 */
export interface SoftmaxParts {
  /** Row max m, [...lead, 1]. */
  max: tf.Tensor;
  /** S = sum exp(x - m) >= 1, [...lead, 1]; logsumexp(x) = m + log S. */
  sum: tf.Tensor;
  /** softmax(x) = exp(x - m) / S, [...lead, C]. */
  probs: tf.Tensor;
}

/**
 * Row max, shifted exp-sum and probabilities of `x` [...lead, C] along the last axis. Every exp
 * argument is <= 0 and S >= 1, so logits of any finite magnitude give finite results.
 *
 * @example
 * ```ts
 * const { max, sum, probs } = softmaxParts(logits.div(temperature));
 * ```
 */
export function softmaxParts(x: tf.Tensor): SoftmaxParts {
  const max = x.max(-1, true);
  const e = x.sub(max).exp();
  const sum = e.sum(-1, true);
  return { max, sum, probs: e.div(sum) };
}

/**
 * log(1 + r) accurate for small r (Goldberg 1991: log(u) * r / (u - 1) with u = 1 + r). Written out
 * because `tf.log1p` on the wasm backend of tfjs 4.22 is wrong for some inputs.
 *
 * @example
 * ```ts
 * log1pAccurate(tf.scalar(1e-9)); // 1e-9, where log(1 + 1e-9) gives 0 in float32
 * ```
 */
export function log1pAccurate(r: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const u = r.add(1);
    const denominator = u.sub(1);
    const exact = denominator.equal(0);
    const safeDenominator = tf.where(exact, tf.onesLike(denominator), denominator);
    return tf.where(exact, r, u.log().mul(r).div(safeDenominator));
  });
}
