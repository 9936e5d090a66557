import * as tf from '@tensorflow/tfjs';
import { batchFromExamples, type BatchPadding } from '../data/batching/batch.js';
import type { Batch, Example } from '../data/types.js';

/**
 * Runs `forward` over `examples` in batches (in order, each padded to its longest row) and returns the logits as one
 * host array, row-major [examples.length, classes]. `forward` gets the ids [batch, seq] (int32, freed afterwards), the
 * token type ids for sentence pairs, and the host batch; it may answer asynchronously. One device read per batch;
 * nothing is left on the device.
 *
 * @example
 * ```ts
 * const logits = await logitsFor(validation, (ids) => student.predict(ids) as tf.Tensor, { batchSize: 64 });
 * ```
 */
export async function logitsFor(
  examples: readonly Example[],
  forward: (ids: tf.Tensor2D, typeIds: tf.Tensor2D | undefined, batch: Batch) => tf.Tensor | Promise<tf.Tensor>,
  opts: { batchSize: number; padding?: BatchPadding },
): Promise<{ logits: Float32Array; numClasses: number }> {
  let out: Float32Array | undefined;
  let numClasses = 0;
  for (let start = 0; start < examples.length; start += opts.batchSize) {
    const batch = batchFromExamples(examples.slice(start, start + opts.batchSize), opts.padding);
    const shape: [number, number] = [batch.batchSize, batch.seqLength];
    const ids = tf.tensor2d(batch.inputIds, shape, 'int32');
    const typeIds = batch.typeIds ? tf.tensor2d(batch.typeIds, shape, 'int32') : undefined;
    let logits: tf.Tensor;
    try {
      logits = await forward(ids, typeIds, batch);
    } finally {
      tf.dispose([ids, typeIds]);
    }
    const values = (await logits.data()) as Float32Array;
    numClasses = logits.shape[logits.shape.length - 1] as number;
    logits.dispose();
    out ??= new Float32Array(examples.length * numClasses);
    out.set(values, start * numClasses);
  }
  return { logits: out ?? new Float32Array(0), numClasses };
}
