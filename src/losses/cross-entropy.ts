import * as tf from '@tensorflow/tfjs';
import { TfdistillError, require_ } from '../errors.js';
import { maskedMean } from './masked-mean.js';
import { softmaxParts } from './softmax-parts.js';
import { requireLogits, requireMask, requireShape } from './validate.js';

/**
 * Options of {@link hardCrossEntropy}.
 *
 * @example
 * ```ts
 * const options: CrossEntropyOptions = { labelSmoothing: 0.1, mask };
 * ```
 */
export interface CrossEntropyOptions {
  /** epsilon in [0, 1): weight moved from the true class to a uniform distribution. Default 0. */
  labelSmoothing?: number;
  /** [...lead], 1 = position counted. Labels at masked positions are ignored (any integer allowed). */
  mask?: tf.Tensor;
}

/**
 * Hard-label cross-entropy, matching PyTorch `F.cross_entropy(logits, labels, label_smoothing=eps)`:
 *
 *   loss = mean_positions [ (1 - eps) * (-log q_y) + eps * mean_c (-log q_c) ],  q = softmax(logits)
 *
 * Reduction: mean over examples ([batch, classes]) or over non-masked positions
 * ([batch, seq, classes]). Label smoothing: Szegedy et al. 2016, "Rethinking the Inception
 * Architecture".
 *
 * @param logits float32 [batch, classes] or [batch, seq, classes]
 * @param labels int32 [batch] or [batch, seq], each in [0, classes) where not masked
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const hard = hardCrossEntropy(studentLogits, labels, { labelSmoothing: 0.1 });
 * ```
 */
export function hardCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  const { labelSmoothing = 0, mask } = options;
  requireLabelSmoothing(labelSmoothing);
  requireLogits(logits, 'student logits');
  requireMask(mask, logits.shape.slice(0, -1));
  requireLabels(labels, logits, mask);
  const classes = logits.shape[logits.rank - 1];
  return tf.tidy(() => {
    // Masked positions may hold any label (e.g. -100); point them at class 0 so oneHot stays in range.
    const safe = mask === undefined ? labels : tf.where(mask.cast('bool'), labels, tf.zerosLike(labels));
    const target = tf.oneHot(safe, classes).toFloat().mul(1 - labelSmoothing).add(labelSmoothing / classes); // [...lead, C]
    return maskedMean(smoothedNll(logits, target), mask);
  });
}

/**
 * -sum_c target_c log softmax(x)_c per row = m + log S - sum_c target_c x_c (targets sum to 1),
 * [...lead, C] -> [...lead]. The gradient is written out as (softmax(x) - target) * dy: autodiff
 * through logSoftmax subtracts sum(dy) * q, and a float32 sum over 1000 classes is off by ~1e-5.
 */
function smoothedNll(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const nll = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const { max, sum, probs } = softmaxParts(x);
    save([probs, target]);
    return {
      value: max.add(sum.log()).squeeze([-1]).sub(target.mul(x).sum(-1)),
      gradFunc: (dy: tf.Tensor, [q, y]: tf.Tensor[]) => dy.expandDims(-1).mul(q.sub(y)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return nll(logits);
}

/**
 * label smoothing must lie in [0, 1) like PyTorch's.
 *
 * @example
 * ```ts
 * requireLabelSmoothing(0.1); // ok; 1 throws INVALID_ARGUMENT
 * ```
 */
export function requireLabelSmoothing(labelSmoothing: number): void {
  require_(
    Number.isFinite(labelSmoothing) && labelSmoothing >= 0 && labelSmoothing < 1,
    `labelSmoothing must be in [0, 1), got ${labelSmoothing}`,
  );
}

/** int32 labels of the logits' leading shape, each in [0, classes) where counted. Reads labels (small). */
function requireLabels(labels: tf.Tensor, logits: tf.Tensor, mask: tf.Tensor | undefined): void {
  require_(labels instanceof tf.Tensor, 'labels must be a tf.Tensor');
  require_(labels.dtype === 'int32', `labels must be int32 class indices, got ${labels.dtype}`);
  requireShape(labels.shape, logits.shape.slice(0, -1), 'labels');
  const classes = logits.shape[logits.rank - 1];
  const ys = labels.dataSync();
  const counted = mask?.dataSync();
  for (let i = 0; i < ys.length; i++) {
    if (counted !== undefined && counted[i] === 0) continue;
    if (ys[i] < 0 || ys[i] >= classes) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `label ${ys[i]} at flat position ${i} is outside [0, ${classes})`,
        'labels are class indices; mark padding positions with the mask instead of -100',
      );
    }
  }
}
