import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';

/**
 * Result of {@link clipByGlobalNorm}; the caller owns (and disposes) every tensor in it.
 *
 * @example
 * ```ts
 * const { grads, norm }: ClippedGradients = clipByGlobalNorm(rawGrads, 1);
 * ```
 */
export interface ClippedGradients {
  /** Gradients scaled by `min(1, maxNorm / (norm + 1e-6))`, same names and shapes as the input. */
  grads: tf.NamedTensorMap;
  /** Global L2 norm of the input gradients, before clipping (what torch's `clip_grad_norm_` returns). */
  norm: tf.Scalar;
}

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`, exactly like
 * `torch.nn.utils.clip_grad_norm_(params, maxNorm)`: `norm = ‖[‖g₁‖, ‖g₂‖, …]‖₂`,
 * `coef = min(1, maxNorm / (norm + 1e-6))`, `g ← g · coef`. The `1e-6` (torch's) also makes an
 * all-zero gradient safe. The scale is computed on the device, so clipping never waits for a
 * device-to-host read; read `norm` whenever you log. Input gradients are not disposed.
 *
 * @example
 * ```ts
 * const { grads: clipped, norm } = clipByGlobalNorm(grads, 1.0);
 * optimizer.applyGradients(clipped);
 * tf.dispose([grads, clipped]);
 * ```
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): ClippedGradients {
  require_(Number.isFinite(maxNorm) && maxNorm > 0, `clipByGlobalNorm: maxNorm must be a finite number > 0, got ${maxNorm}`);
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const norm = globalNorm(names.map((n) => grads[n]));
    const coef = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))); // [] on device
    const clipped: tf.NamedTensorMap = {};
    for (const n of names) clipped[n] = tf.mul(grads[n], coef);
    return { grads: clipped, norm };
  });
}

/**
 * The L2 norm of all given tensors taken together, as a scalar on the device (0 for none).
 *
 * @example
 * ```ts
 * const norm = globalNorm(Object.values(grads)); // tf.Scalar
 * ```
 */
export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    // Sum of squares per tensor, then over tensors: the same value as torch's norm of norms.
    const squares = tensors.map((t) => tf.sum(tf.square(t)));
    return tf.sqrt(tf.addN(squares)) as tf.Scalar;
  });
}
