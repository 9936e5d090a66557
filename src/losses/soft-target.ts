import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';
import { maskedMean } from './masked-mean.js';
import { log1pAccurate, softmaxParts } from './softmax-parts.js';
import { topKKL } from './top-k.js';
import type { TeacherLogits, TopKMode } from './types.js';
import { isTopK, requireLogitPair, requireMask, requireTemperature } from './validate.js';

/**
 * Options of {@link softTargetKL}.
 */
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
export function softTargetKL(studentLogits: tf.Tensor, teacherLogits: TeacherLogits, options: SoftTargetOptions): tf.Scalar {
  const { temperature, mask, scaleByTemperatureSquared = true, topKMode = 'renormalize' } = options;
  requireTemperature(temperature);
  require_(topKMode === 'renormalize' || topKMode === 'uniform', `topKMode must be 'renormalize' or 'uniform', got ${String(topKMode)}`);
  requireLogitPair(studentLogits, teacherLogits);
  requireMask(mask, studentLogits.shape.slice(0, -1));
  return tf.tidy(() => {
    const perPosition = isTopK(teacherLogits) // [...lead]
      ? topKKL(tf.logSoftmax(studentLogits.div(temperature)), teacherLogits, temperature, topKMode)
      : denseKL(studentLogits, teacherLogits, temperature);
    const kl = maskedMean(perPosition, mask);
    return scaleByTemperatureSquared ? kl.mul(temperature * temperature) : kl;
  });
}

/**
 * KL(p || q) per row for a dense teacher, [...lead, C] -> [...lead], with p = softmax(t / T) and
 * q = softmax(s / T), written for float32 accuracy rather than as `sum(p * (logP - logQ))`:
 *   KL = sum_c p_c d_c - D,  d = (t - s) / T,  D = lse(t / T) - lse(s / T) = -log(sum_c p_c e^{-d_c})
 * - D is taken as log1p(sum_c p_c expm1(-d_c)) when every |d_c| <= 30 and that sum is >= -0.5: no large log-sum-exp values
 *   cancel, which keeps ~1e-6 relative accuracy at T = 20 where p and q are nearly equal. Rows with
 *   larger differences (e.g. logits of magnitude 1e4) use D = (m_t - m_s) + log(S_t / S_s) instead
 *   (m = row max, S = sum exp(x / T - m) >= 1), whose exp arguments are all <= 0.
 * - The gradient is (q - p) / T per row from two plain softmaxes rather than autodiff through
 *   exp(logSoftmax): the latter subtracts sum(dy) * q, and float32 sums over 1000 classes are off
 *   by ~1e-5, which would show in every gradient entry.
 */
function denseKL(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, temperature: number): tf.Tensor {
  const kl = tf.customGrad(((s: tf.Tensor, save: tf.GradSaveFunc) => {
    const t = softmaxParts(teacherLogits.div(temperature)); // [...lead, C] probs, [...lead, 1] max/sum
    const q = softmaxParts(s.div(temperature));
    const d = teacherLogits.sub(s).div(temperature); // [...lead, C]
    const wide = t.max.sub(q.max).add(t.sum.div(q.sum).log()); // [...lead, 1];
    const r = t.probs.mul(d.neg().expm1()).sum(-1, true); // sum_c p_c e^{-d_c} - 1, [...lead, 1]
    const close = log1pAccurate(r).neg(); // [...lead, 1]
    // log1p(r) only helps while 1 + r does not cancel; as r -> -1 (teacher mass where the student is far below it)
    // it would round to log(0) = -Inf, and the wide form is exact there.
    const isClose = d.abs().max(-1, true).lessEqual(30).logicalAnd(r.greaterEqual(-0.5));
    const lseDiff = tf.where(isClose, close, wide); // lse_t - lse_s, [...lead, 1]
    save([q.probs, t.probs]);
    return {
      value: t.probs
        .mul(d)
        .sum(-1)
        .sub(lseDiff.squeeze([-1])),
      gradFunc: (dy: tf.Tensor, [qProbs, pProbs]: tf.Tensor[]) => dy.expandDims(-1).mul(qProbs.sub(pProbs)).div(temperature),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return kl(studentLogits);
}
