import * as tf from '@tensorflow/tfjs';
import { TfdistillError, require_ } from '../errors.js';
import { maskedMean } from './masked-mean.js';
import { requireMask, shapeText } from './validate.js';

/**
 * Options of {@link attentionKL} and {@link attentionMSE}.
 *
 * @example
 * ```ts
 * attentionMSE(studentAtt, teacherAtt, { mask } satisfies AttentionLossOptions);
 * ```
 */
export interface AttentionLossOptions {
  /** [batch, seq], 1 = real token; padding query rows and key columns are excluded. */
  mask?: tf.Tensor;
}

/** Probabilities below this are clamped before the log (a masked softmax gives exact zeros). */
const PROB_FLOOR = 1e-12;

/**
 * KL divergence between teacher and student attention distributions (Wang et al. 2020,
 * "MiniLM"; TinyBERT's attention transfer on probabilities):
 *
 *   loss = mean over heads and non-masked query rows i of
 *          sum over non-masked keys j of A_T[i,j] (log A_T[i,j] - log max(A_S[i,j], 1e-12))
 *
 * When head counts differ, each side's heads are averaged into one map first (both stay
 * row-stochastic). Inputs are attention probabilities, not scores.
 *
 * @param student [batch, headsS, seq, seq]
 * @param teacher [batch, headsT, seq, seq]
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const loss = attentionKL(student.attention[1], teacher.attention[3], { mask });
 * ```
 */
export function attentionKL(student: tf.Tensor, teacher: tf.Tensor, options: AttentionLossOptions = {}): tf.Scalar {
  requireAttentionPair(student, teacher, options.mask);
  return tf.tidy(() => {
    const [s, t] = alignHeads(student, teacher); // [batch, h, seq, seq]
    const keys = keyMask(options.mask, t.shape); // [batch, h, seq, seq] bool or undefined
    // p log p is 0 where p = 0; the where() keeps log(0) and its infinite gradient out of the graph.
    const positive = t.greater(0);
    const logT = tf.where(positive, t, tf.onesLike(t)).log();
    const terms = tf.where(positive, t.mul(logT.sub(s.maximum(PROB_FLOOR).log())), tf.zerosLike(t));
    const kept = keys === undefined ? terms : tf.where(keys, terms, tf.zerosLike(terms));
    const perRow = kept.sum(-1); // [batch, h, seq]
    return maskedMean(perRow, options.mask?.expandDims(1));
  });
}

/**
 * Mean squared error between attention probabilities (Jiao et al. 2020, "TinyBERT", eq. 7):
 *
 *   loss = mean over heads and non-masked (query i, key j) pairs of (A_S[i,j] - A_T[i,j])^2
 *
 * Head counts that differ are averaged to one map per side first.
 *
 * @param student [batch, headsS, seq, seq]
 * @param teacher [batch, headsT, seq, seq]
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const loss = attentionMSE(student.attention[0], teacher.attention[0], { mask });
 * ```
 */
export function attentionMSE(student: tf.Tensor, teacher: tf.Tensor, options: AttentionLossOptions = {}): tf.Scalar {
  requireAttentionPair(student, teacher, options.mask);
  return tf.tidy(() => {
    const [s, t] = alignHeads(student, teacher);
    const pairs = options.mask?.expandDims(1).expandDims(-1).mul(options.mask.expandDims(1).expandDims(1));
    return maskedMean(tf.squaredDifference(s, t), pairs); // pairs [batch, 1, seq, seq]
  });
}

/**
 * Why attention maps of these shapes cannot be compared before training (undefined: they can): both
 * [batch, heads, seq, seq], square, with equal batch and seq (differing head counts are averaged to one map).
 *
 * @example
 * ```ts
 * attentionShapeProblem([8, 4, 128, 128], [8, 12, 128, 128]); // undefined
 * ```
 */
export function attentionShapeProblem(s: number[], t: number[]): string | undefined {
  if (s.length !== 4 || t.length !== 4) return 'attention maps must be [batch, heads, seq, seq]';
  if (s[2] !== s[3] || t[2] !== t[3]) return 'attention maps must be square';
  if (s[1] < 1 || t[1] < 1) return 'head count must be >= 1';
  if (s[0] !== t[0] || s[2] !== t[2]) return 'batch/seq differ';
  return undefined;
}

/** Same head count: unchanged. Otherwise each side averaged over heads to [batch, 1, seq, seq]. */
function alignHeads(student: tf.Tensor, teacher: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (student.shape[1] === teacher.shape[1]) return [student, teacher];
  return [student.mean(1, true), teacher.mean(1, true)];
}

/** [batch, seq] mask -> bool key-column mask broadcast to `shape` [batch, h, seq, seq]. */
function keyMask(mask: tf.Tensor | undefined, shape: number[]): tf.Tensor | undefined {
  if (mask === undefined) return undefined;
  return tf.broadcastTo(mask.cast('bool').expandDims(1).expandDims(1), shape);
}

function requireAttentionPair(student: tf.Tensor, teacher: tf.Tensor, mask: tf.Tensor | undefined): void {
  require_(student instanceof tf.Tensor && teacher instanceof tf.Tensor, 'attention maps must be tf.Tensors');
  const mismatch = (why: string) =>
    new TfdistillError(
      'SHAPE_MISMATCH',
      `student attention ${shapeText(student.shape)} vs teacher attention ${shapeText(teacher.shape)}: ${why}`,
    );
  if (student.rank !== 4 || teacher.rank !== 4) throw mismatch('both must be [batch, heads, seq, seq]');
  const [b, , q, k] = student.shape;
  if (q !== k || teacher.shape[2] !== teacher.shape[3]) throw mismatch('maps must be square [seq, seq]');
  if (b !== teacher.shape[0] || q !== teacher.shape[2]) throw mismatch('batch and seq must agree');
  requireMask(mask, [b, q]);
}
