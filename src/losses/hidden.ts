import * as tf from '@tensorflow/tfjs';
import { TfdistillError, require_ } from '../errors.js';
import { maskedMean } from './masked-mean.js';
import type { Projection, ProjectionShape } from './projection.js';
import { requireMask, shapeText } from './validate.js';

/**
 * Options of {@link hiddenMSE} and {@link cosineEmbedding}.
 */
export interface HiddenLossOptions {
  /** [batch, seq], 1 = real token; padding tokens are excluded. */
  mask?: tf.Tensor;
  /** Maps the student width to the teacher's; required when they differ. */
  projection?: Projection;
}

/**
 * Hidden-state MSE (Jiao et al. 2020, "TinyBERT", eq. 8):
 *
 *   loss = mean over non-masked tokens and the teacher width of (H_S W + b - H_T)^2
 *
 * (PyTorch: `F.mse_loss(proj(hs)[mask], ht[mask])`).
 *
 * @param student [batch, seq, dS]
 * @param teacher [batch, seq, dT]
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const loss = hiddenMSE(student.hidden[1], teacher.hidden[3], { mask, projection });
 * ```
 */
export function hiddenMSE(student: tf.Tensor, teacher: tf.Tensor, options: HiddenLossOptions = {}): tf.Scalar {
  requireHiddenPair(student, teacher, options);
  return tf.tidy(() => {
    const s = options.projection ? options.projection.apply(student) : student; // [batch, seq, dT]
    const perToken = tf.squaredDifference(s, teacher).mean(-1); // [batch, seq]
    return maskedMean(perToken, options.mask);
  });
}

/**
 * Cosine embedding loss on hidden states (Sanh et al. 2019, "DistilBERT"):
 *
 *   loss = mean over non-masked tokens of 1 - <h_S, h_T> / sqrt((|h_S|^2 + 1e-12)(|h_T|^2 + 1e-12))
 *
 * (PyTorch: `F.cosine_embedding_loss(hs[mask], ht[mask], ones)`, same epsilon).
 *
 * @param student [batch, seq, dS]
 * @param teacher [batch, seq, dT]
 * @returns scalar, owned by the caller
 * @example
 * ```ts
 * const loss = cosineEmbedding(student.hidden.at(-1)!, teacher.hidden.at(-1)!, { mask });
 * ```
 */
export function cosineEmbedding(student: tf.Tensor, teacher: tf.Tensor, options: HiddenLossOptions = {}): tf.Scalar {
  requireHiddenPair(student, teacher, options);
  return tf.tidy(() => {
    const s = options.projection ? options.projection.apply(student) : student;
    const dot = s.mul(teacher).sum(-1); // [batch, seq]
    const norms = s.square().sum(-1).add(1e-12).mul(teacher.square().sum(-1).add(1e-12)).sqrt();
    return maskedMean(tf.onesLike(dot).sub(dot.div(norms)), options.mask);
  });
}

/**
 * Why hidden states of these shapes cannot be compared before training (undefined: they can): both [batch, seq, d]
 * with equal batch and seq, and equal widths or a projection mapping the student's width to the teacher's.
 *
 * @example
 * ```ts
 * hiddenShapeProblem([8, 128, 256], [8, 128, 768]); // 'widths 256 and 768 differ and no projection is given'
 * ```
 */
export function hiddenShapeProblem(s: number[], t: number[], projection?: ProjectionShape): string | undefined {
  if (s.length !== 3 || t.length !== 3) return 'hidden states must be [batch, seq, d]';
  if (s[0] !== t[0] || s[1] !== t[1]) return 'batch/seq differ';
  if (projection === undefined) return s[2] === t[2] ? undefined : `widths ${s[2]} and ${t[2]} differ and no projection is given`;
  if (projection.studentDim !== s[2] || projection.teacherDim !== t[2]) {
    return `projection '${projection.name}' maps ${projection.studentDim} -> ${projection.teacherDim}, need ${s[2]} -> ${t[2]}`;
  }
  return undefined;
}

/** [batch, seq, d] pairs with equal batch/seq and widths that match directly or via the projection. */
function requireHiddenPair(student: tf.Tensor, teacher: tf.Tensor, { mask, projection }: HiddenLossOptions): void {
  require_(student instanceof tf.Tensor && teacher instanceof tf.Tensor, 'hidden states must be tf.Tensors');
  const mismatch = (why: string) =>
    new TfdistillError(
      'SHAPE_MISMATCH',
      `student hidden ${shapeText(student.shape)} vs teacher hidden ${shapeText(teacher.shape)}: ${why}`,
    );
  if (student.rank !== 3 || teacher.rank !== 3) throw mismatch('both must be [batch, seq, d]');
  if (student.shape[0] !== teacher.shape[0] || student.shape[1] !== teacher.shape[1]) {
    throw mismatch('batch and seq must agree');
  }
  const dS = student.shape[2],
    dT = teacher.shape[2];
  if (projection === undefined && dS !== dT) throw mismatch('widths differ; pass a projection (createProjection)');
  if (projection !== undefined && (projection.studentDim !== dS || projection.teacherDim !== dT)) {
    throw mismatch(`projection '${projection.name}' maps ${projection.studentDim} -> ${projection.teacherDim}`);
  }
  requireMask(mask, student.shape.slice(0, 2));
}
