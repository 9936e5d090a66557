import * as tf from '@tensorflow/tfjs';
import { TfdistillError, require_ } from '../errors.js';
import { maskedMean } from './masked-mean.js';
import { softmaxParts } from './softmax-parts.js';
import { requireLogits, requireMask, requireShape } from './validate.js';

/**
 * Options of {@link hardCrossEntropy}.
 */
export interface CrossEntropyOptions {
  /** epsilon in [0, 1): weight moved from the true class to a uniform distribution. Default 0. */
  labelSmoothing?: number;
  /** [...lead], 1 = position counted. Labels at masked positions are ignored (any integer allowed). */
  mask?: tf.Tensor;
  /**
   * Read the labels (and mask) back to check every counted label is in [0, classes): a device-to-host sync per
   * call, which stalls a GPU pipeline. Default true. Training loops that build labels from host arrays check them
   * there (see `requireLabelValues`) and pass false.
   */
  checkLabels?: boolean;
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
  const { labelSmoothing = 0, mask, checkLabels = true } = options;
  requireLabelSmoothing(labelSmoothing);
  requireLogits(logits, 'student logits');
  requireMask(mask, logits.shape.slice(0, -1));
  requireLabelTensor(labels, logits);
  if (checkLabels) requireLabelValues(labels.dataSync(), logits.shape[logits.rank - 1], mask?.dataSync());
  const classes = logits.shape[logits.rank - 1];
  return tf.tidy(() => {
    // Masked positions may hold any label (e.g. -100); point them at class 0 so oneHot stays in range.
    const safe = mask === undefined ? labels : tf.where(mask.cast('bool'), labels, tf.zerosLike(labels));
    const target = tf
      .oneHot(safe, classes)
      .toFloat()
      .mul(1 - labelSmoothing)
      .add(labelSmoothing / classes); // [...lead, C]
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

/** int32 labels of the logits' leading shape (metadata only, no read). */
function requireLabelTensor(labels: tf.Tensor, logits: tf.Tensor): void {
  require_(labels instanceof tf.Tensor, 'labels must be a tf.Tensor');
  require_(labels.dtype === 'int32', `labels must be int32 class indices, got ${labels.dtype}`);
  requireShape(labels.shape, logits.shape.slice(0, -1), 'labels');
}

/**
 * Throws INVALID_ARGUMENT unless every counted label is a class index in [0, classes). Host-side: check label
 * arrays here before uploading them, and pass `checkLabels: false` to the losses to skip their device read.
 *
 * @param labels flat class indices
 * @param counted optional flat mask, 0 = position ignored
 * @example
 * ```ts
 * requireLabelValues(batch.labels, numClasses); // before tf.tensor1d(batch.labels, 'int32')
 * ```
 */
export function requireLabelValues(labels: ArrayLike<number>, classes: number, counted?: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    if (counted !== undefined && counted[i] === 0) continue;
    const y = labels[i];
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) {
      throw new TfdistillError(
        'INVALID_ARGUMENT',
        `label ${y} at flat position ${i} is outside [0, ${classes})`,
        'labels are class indices; mark padding positions with the mask instead of -100',
      );
    }
  }
}
