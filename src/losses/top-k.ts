import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../backend/embedding.js';
import { require_ } from '../errors.js';
import { requireLogits } from './validate.js';
import type { TopKLogits, TopKMode } from './types.js';

/**
 * Keeps the k largest logits of every row (a cacheable teacher output).
 *
 * @param logits float32 [...lead, classes]
 * @param k 1 <= k <= classes
 * @returns `{ values, indices }`, both [...lead, k], values descending; the caller owns both
 * @example
 * ```ts
 * const cached = topK(teacher.predict(ids, mask).logits, 20);
 * const loss = softTargetKL(studentLogits, cached, { temperature: 4 });
 * ```
 */
export function topK(logits: tf.Tensor, k: number): TopKLogits {
  requireLogits(logits, 'logits');
  const classes = logits.shape[logits.rank - 1];
  require_(Number.isInteger(k) && k >= 1 && k <= classes, `k must be an integer in [1, ${classes}], got ${k}`);
  const { values, indices } = tf.topk(logits, k, true);
  return { values, indices };
}

/**
 * `x[..., indices[..., j]]` along the last axis, with a gradient that works on wasm (see
 * `embeddingLookup`: `tf.gather`'s own gradient needs a kernel wasm lacks).
 *
 * @param x [...lead, C]
 * @param indices int32 [...lead, k]
 * @returns [...lead, k]
 *
 * @example
 * ```ts
 * const logQK = gatherLastAxis(logQ, cached.indices); // [batch, k]
 * ```
 */
export function gatherLastAxis(x: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = x.shape[x.rank - 1];
    const k = indices.shape[indices.rank - 1];
    const rows = x.size / classes;
    const table = x.reshape([rows * classes, 1]) as tf.Tensor2D; // one "embedding row" per entry
    const offsets = tf.range(0, rows * classes, classes, 'int32').reshape([rows, 1]); // [rows, 1]
    const flatIds = indices.reshape([rows, k]).add(offsets); // [rows, k]
    return embeddingLookup(table, flatIds).reshape(indices.shape);
  });
}

/**
 * KL(p_teacher || q_student) per row for a top-k teacher, without building a dense teacher.
 * With kept classes K (|K| = k), missing classes R (|R| = C - k), s = values / T:
 *   renormalize: log p_K = s - logsumexp(s);                       KL = sum_K p (log p - log q)
 *   uniform:     m = min(s); Z = logsumexp([s, m + log(C - k)]);  log p_K = s - Z, log p_R = m - Z,
 *                KL = sum_K p (log p - log q) + p_R * sum_R (log p_R - log q)
 * The R sum is taken as (all classes) - (kept classes) of the small differences log p_R - log q,
 * which keeps float32 cancellation small.
 *
 * @param logQ student log-probabilities at T, [...lead, C]
 * @param teacher top-k logits, [...lead, k]
 * @returns [...lead]
 *
 * @example
 * ```ts
 * const perRow = topKKL(tf.logSoftmax(s.div(T)), cached, T, 'uniform'); // [batch]
 * ```
 */
export function topKKL(logQ: tf.Tensor, teacher: TopKLogits, temperature: number, mode: TopKMode): tf.Tensor {
  return tf.tidy(() => {
    const classes = logQ.shape[logQ.rank - 1];
    const k = teacher.values.shape[teacher.values.rank - 1];
    const s = teacher.values.div(temperature); // [...lead, k]
    const logQK = gatherLastAxis(logQ, teacher.indices); // [...lead, k]
    if (mode === 'renormalize' || k === classes) {
      const logP = tf.logSoftmax(s);
      return logP.exp().mul(logP.sub(logQK)).sum(-1);
    }
    const m = s.min(-1, true); // [...lead, 1]
    const logZ = tf.logSumExp(tf.concat([s, m.add(Math.log(classes - k))], -1), -1, true); // [...lead, 1]
    const logP = s.sub(logZ); // [...lead, k]
    const logPRest = m.sub(logZ); // [...lead, 1], the same for each missing class
    const kept = logP.exp().mul(logP.sub(logQK)).sum(-1);
    const restSum = logPRest.sub(logQ).sum(-1).sub(logPRest.sub(logQK).sum(-1)); // [...lead]
    return kept.add(logPRest.squeeze([-1]).exp().mul(restSum));
  });
}
