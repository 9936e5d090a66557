import * as tf from '@tensorflow/tfjs';
import { require_ } from '../errors.js';

/**
 * Losses of embedding distillation (`task: 'embedding'`): the student's vector for a text against the teacher's.
 * sentence-transformers distils with `MSELoss` (Reimers & Gurevych 2020); cosine is the scale-free alternative; the
 * in-batch contrastive term (InfoNCE over the batch, as `MultipleNegativesRankingLoss` with the teacher's vectors as
 * the positives) also teaches which texts are *not* alike.
 */

/** The main term: mean squared error over every component (torch `F.mse_loss`), or mean of 1 - cosine similarity. */
export type EmbeddingLossKind = 'mse' | 'cosine';

/** Every {@link EmbeddingLossKind}. */
export const EMBEDDING_LOSSES: readonly EmbeddingLossKind[] = ['mse', 'cosine'];

/**
 * Options of {@link embeddingLoss}.
 */
export interface EmbeddingLossOptions {
  /** Default 'mse'. */
  kind?: EmbeddingLossKind;
  /** Weight of the in-batch contrastive term (0, the default, leaves it out). */
  contrastive?: number;
  /** Temperature of the contrastive term's cosine scores, > 0. Default 0.05 (sentence-transformers' scale 20). */
  contrastiveTemperature?: number;
}

/**
 * The terms of {@link embeddingLoss}; every tensor is owned by the caller. A type alias so `tf.dispose(result)` takes it.
 *
 * @example
 * ```ts
 * const { total, main }: EmbeddingLossResult = embeddingLoss(s, t);
 * ```
 */
export type EmbeddingLossResult = { total: tf.Scalar; main: tf.Scalar; contrastive?: tf.Scalar };

/** Rows scaled to unit length (torch `F.normalize`: x / max(|x|, 1e-12)). */
function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));
}

/**
 * Embedding distillation loss of a batch: `main` (MSE or 1 - cosine, averaged) plus `contrastive` times the in-batch
 * contrastive term: cross-entropy of each student row's cosine scores against every teacher row, divided by the
 * temperature, with its own teacher row as the target. Cosine similarity is s.t / sqrt(max(|s|^2 |t|^2, 1e-16)), as
 * torch's `F.cosine_similarity`.
 *
 * @param student [batch, d]
 * @param teacher [batch, d] (a target: callers take gradients with respect to the student only)
 * @example
 * ```ts
 * const { total } = embeddingLoss(studentVectors, teacherVectors, { kind: 'cosine', contrastive: 0.5 });
 * ```
 */
export function embeddingLoss(student: tf.Tensor2D, teacher: tf.Tensor2D, options: EmbeddingLossOptions = {}): EmbeddingLossResult {
  const kind = options.kind ?? 'mse';
  const weight = options.contrastive ?? 0;
  const temperature = options.contrastiveTemperature ?? 0.05;
  require_(EMBEDDING_LOSSES.includes(kind), `embedding loss must be one of ${EMBEDDING_LOSSES.join(', ')}, got ${JSON.stringify(kind)}`);
  require_(Number.isFinite(weight) && weight >= 0, `the contrastive weight must be >= 0, got ${weight}`);
  require_(Number.isFinite(temperature) && temperature > 0, `the contrastive temperature must be > 0, got ${temperature}`);
  require_(
    student.rank === 2 && teacher.rank === 2 && student.shape.every((d, i) => d === teacher.shape[i]),
    `student and teacher vectors must have the same [batch, d] shape, got [${student.shape}] and [${teacher.shape}]`,
  );
  return tf.tidy(() => {
    const t = teacher;
    const main =
      kind === 'mse'
        ? tf.mean(tf.squaredDifference(student, t))
        : tf.mean(
            tf.sub(
              1,
              tf.div(
                tf.sum(tf.mul(student, t), 1),
                tf.sqrt(tf.maximum(tf.mul(tf.sum(tf.square(student), 1), tf.sum(tf.square(t), 1)), 1e-16)),
              ),
            ),
          );
    if (weight === 0) return { total: main as tf.Scalar, main: tf.clone(main) as tf.Scalar };
    const scores = tf.div(tf.matMul(unitRows(student), unitRows(t), false, true), temperature); // [batch, batch]
    const targets = tf.oneHot(tf.range(0, student.shape[0], 1, 'int32'), student.shape[0]);
    const contrastive = tf.losses.softmaxCrossEntropy(targets, scores) as tf.Scalar;
    return { total: tf.add(main, tf.mul(contrastive, weight)) as tf.Scalar, main: main as tf.Scalar, contrastive };
  });
}
