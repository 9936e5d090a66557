import * as tf from '@tensorflow/tfjs';
import { encoderPadId, takesTokenTypes } from '../models/inputs.js';
import { evalMetrics } from '../eval/metrics.js';
import type { EvalSet } from './eval-set.js';

/**
 * Accuracy and fidelity of a compressed model. `agreement` and `kl` compare with a reference model (the
 * uncompressed model, or the teacher) when one is given.
 */
export interface Quality {
  accuracy?: number;
  /** Argmax match rate with the reference. */
  agreement?: number;
  /** Mean KL(reference || model) in nats. */
  kl?: number;
}

/**
 * Logits of `model` over the set, row-major [count, classes], in padded batches (padding id 0).
 * `forward` replaces `model.predict` (e.g. a fake-quantized forward pass).
 *
 * @example
 * ```ts
 * const { logits, numClasses } = predictLogits(model, set);
 * ```
 */
export function predictLogits(
  model: tf.LayersModel,
  set: EvalSet,
  opts: { batchSize?: number; forward?: (ids: tf.Tensor2D) => tf.Tensor } = {},
): { logits: Float32Array; numClasses: number } {
  const batchSize = opts.batchSize ?? 32;
  // Compression data are single texts: a pair-trained encoder reads them as first segments (type ids 0).
  const pairs = takesTokenTypes(model);
  const forward =
    opts.forward ??
    ((ids: tf.Tensor2D) => {
      const out = model.predict(pairs ? [ids, tf.zerosLike(ids)] : ids) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out[0] : out;
    });
  const padId = encoderPadId(model);
  const chunks: Float32Array[] = [];
  let numClasses = 0;
  for (let start = 0; start < set.ids.length; start += batchSize) {
    const rows = set.ids.slice(start, start + batchSize);
    const seq = Math.max(1, ...rows.map((r) => r.length));
    const flat = new Int32Array(rows.length * seq).fill(padId);
    rows.forEach((r, i) => {
      flat.set(r, i * seq);
    });
    const values = tf.tidy(() => forward(tf.tensor2d(flat, [rows.length, seq], 'int32'))); // [b, classes]
    numClasses = values.shape.at(-1) as number;
    chunks.push(values.dataSync() as Float32Array);
    values.dispose();
  }
  const logits = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    logits.set(c, at);
    at += c.length;
  }
  return { logits, numClasses };
}

/**
 * {@link Quality} of logits against the set's labels and optional reference logits.
 *
 * @example
 * ```ts
 * const q = qualityOf(predictLogits(model, set), set, referenceLogits);
 * ```
 */
export function qualityOf(pred: { logits: Float32Array; numClasses: number }, set: EvalSet, reference?: Float32Array): Quality {
  const m = evalMetrics({ studentLogits: pred.logits, teacherLogits: reference, labels: set.labels, numClasses: pred.numClasses });
  return { accuracy: m.accuracy, agreement: m.agreement, kl: m.klTeacherStudent };
}
