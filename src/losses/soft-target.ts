import * as tf from '@tensorflow/tfjs';
import { maskedMean } from './masked-mean.js';
import { topKKL } from './top-k.js';
import type { TeacherLogits, TopKMode } from './types.js';
import { isTopK, requireLogitPair, requireMask, requireTemperature } from './validate.js';

/** Options of {@link softTargetKL}. */
export interface SoftTargetOptions {
  /** Softmax temperature T > 0 for both teacher and student. */
  temperature: number;
  /** [batch, seq] (token logits) or [batch] (classification); 1 = position counted. */
  mask?: tf.Tensor;
  /** Multiply by T^2 (Hinton et al. 2015). Default true. */
  scaleByTemperatureSquared?: boolean;
  /** How a top-k teacher's missing mass is filled in; see {@link TopKMode}. Default 'renormalize'. */
  topKMode?: TopKMode;
}

/**
 * Soft-target distillation loss (Hinton, Vinyals & Dean 2015, "Distilling the Knowledge in a
 * Neural Network"):
 *
 *   loss = T^2 * mean_positions KL( softmax(teacher / T) || softmax(student / T) )
 *        = T^2 * mean_positions sum_c p_c (log p_c - log q_c)
 *
 * Reduction: mean over examples for [batch, classes] logits (PyTorch `kl_div(..., 'batchmean')`);
 * mean over non-masked positions for [batch, seq, classes] (or over all positions without a mask).
 *
 * Why T^2: the gradient of the KL term with respect to the student logits is
 * (q - p) / T, and for high T both softmaxes flatten so (q - p) itself shrinks like 1 / T; the
 * soft-target gradient therefore scales as 1 / T^2. Multiplying by T^2 keeps its magnitude
 * independent of the temperature, so changing T does not silently reweight the soft loss against
 * the hard-label loss.
 *
 * Computed from log-softmax (log q = s/T - logsumexp(s/T)), never log(softmax), so logits of
 * magnitude 1e4 and temperatures from 0.5 to 100 give finite values and gradients.
 *
 * @param studentLogits float32 [batch, classes] or [batch, seq, classes]
 * @param teacherLogits same shape, or {@link TopKLogits} with [..., k] (gradient never flows into it)
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const loss = softTargetKL(studentLogits, teacherLogits, { temperature: 4, mask: attentionMask });
 * ```
 */
export function softTargetKL(
  studentLogits: tf.Tensor,
  teacherLogits: TeacherLogits,
  options: SoftTargetOptions,
): tf.Scalar {
  const { temperature, mask, scaleByTemperatureSquared = true, topKMode = 'renormalize' } = options;
  requireTemperature(temperature);
  requireLogitPair(studentLogits, teacherLogits);
  requireMask(mask, studentLogits.shape.slice(0, -1));
  return tf.tidy(() => {
    const logQ = tf.logSoftmax(studentLogits.div(temperature)); // [...lead, C]
    const perPosition = isTopK(teacherLogits)
      ? topKKL(logQ, teacherLogits, temperature, topKMode)
      : denseKL(logQ, teacherLogits, temperature); // [...lead]
    const kl = maskedMean(perPosition, mask);
    return scaleByTemperatureSquared ? kl.mul(temperature * temperature) : kl;
  });
}

/** KL(p || q) per row for a dense teacher; [...lead, C] -> [...lead]. */
function denseKL(logQ: tf.Tensor, teacherLogits: tf.Tensor, temperature: number): tf.Tensor {
  const logP = tf.logSoftmax(teacherLogits.div(temperature));
  // p underflows to exactly 0 for far-off classes while log p stays finite, so 0 * finite = 0.
  return logP.exp().mul(logP.sub(logQ)).sum(-1);
}
