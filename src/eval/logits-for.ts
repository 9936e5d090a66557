import * as tf from '@tensorflow/tfjs';
import { batchFromExamples, type BatchPadding } from '../data/batching/batch.js';
import type { Batch, Example } from '../data/types.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';
import type { Teacher } from '../models/types.js';

/**
 * Runs `run` over `examples` in batches (in order, each padded to its longest row) and gathers its host logits into
 * one array, row-major [examples.length, classes].
 *
 * @example
 * ```ts
 * const t = await batchedLogits(validation, (batch) => batchTeacherLogits(teacher, batch), { batchSize: 64 });
 * ```
 */
export async function batchedLogits(
  examples: readonly Example[],
  run: (batch: Batch) => Promise<{ values: Float32Array; classes: number }>,
  opts: { batchSize: number; padding?: BatchPadding },
): Promise<{ logits: Float32Array; numClasses: number }> {
  let out: Float32Array | undefined;
  let numClasses = 0;
  for (let start = 0; start < examples.length; start += opts.batchSize) {
    const { values, classes } = await run(batchFromExamples(examples.slice(start, start + opts.batchSize), opts.padding));
    numClasses = classes;
    out ??= new Float32Array(examples.length * numClasses);
    out.set(values, start * numClasses);
  }
  return { logits: out ?? new Float32Array(0), numClasses };
}

/**
 * {@link batchedLogits} for a TF.js forward pass: `forward` gets the ids [batch, seq] (int32, freed afterwards) and the
 * token type ids of sentence pairs. One device read per batch; nothing is left on the device.
 *
 * @example
 * ```ts
 * const logits = await logitsFor(validation, (ids) => student.predict(ids) as tf.Tensor, { batchSize: 64 });
 * ```
 */
export function logitsFor(
  examples: readonly Example[],
  forward: (ids: tf.Tensor2D, typeIds: tf.Tensor2D | undefined) => tf.Tensor,
  opts: { batchSize: number; padding?: BatchPadding },
): Promise<{ logits: Float32Array; numClasses: number }> {
  return batchedLogits(
    examples,
    async (batch) => {
      const shape: [number, number] = [batch.batchSize, batch.seqLength];
      const ids = tf.tensor2d(batch.inputIds, shape, 'int32');
      const typeIds = batch.typeIds ? tf.tensor2d(batch.typeIds, shape, 'int32') : undefined;
      let logits: tf.Tensor;
      try {
        logits = forward(ids, typeIds);
      } finally {
        tf.dispose([ids, typeIds]);
      }
      try {
        return { values: (await logits.data()) as Float32Array, classes: logits.shape[logits.shape.length - 1] as number };
      } finally {
        logits.dispose();
      }
    },
    opts,
  );
}

/**
 * Teacher logits for `examples` as one host array [n, classes]: taken from the examples when they carry them
 * (precomputed or cached), else computed by running the teacher once; undefined without any teacher.
 *
 * @example
 * ```ts
 * const t = await teacherLogitsFor(validation, teacher, 64); // { logits, numClasses }
 * ```
 */
export async function teacherLogitsFor(
  examples: readonly Example[],
  teacher: Teacher | undefined,
  batchSize: number,
  padding: BatchPadding = {},
): Promise<{ logits: Float32Array; numClasses: number } | undefined> {
  const first = examples[0]?.teacherLogits;
  if (first && examples.every((e) => e.teacherLogits)) {
    const out = new Float32Array(examples.length * first.length);
    examples.forEach((e, i) => {
      out.set(e.teacherLogits!, i * first.length);
    });
    return { logits: out, numClasses: first.length };
  }
  if (!teacher) return undefined; // hard-label training: student-only metrics
  return batchedLogits(examples, (batch) => batchTeacherLogits(teacher, batch), { batchSize, padding });
}
