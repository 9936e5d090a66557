import * as tf from '@tensorflow/tfjs';
import { batchFromExamples } from '../data/batch.js';
import type { Example } from '../data/types.js';

/**
 * Runs `forward` over `examples` in batches (in order, each padded to its longest row) and returns the logits as one
 * host array, row-major [examples.length, classes]. One device read per batch; nothing is left on the device.
 *
 * @example
 * ```ts
 * const logits = await logitsFor(validation, (ids) => teacher.predict(ids).logits, { batchSize: 64 });
 * ```
 */
export async function logitsFor(
  examples: readonly Example[],
  forward: (ids: tf.Tensor2D) => tf.Tensor,
  opts: { batchSize: number },
): Promise<{ logits: Float32Array; numClasses: number }> {
  let out: Float32Array | undefined;
  let numClasses = 0;
  for (let start = 0; start < examples.length; start += opts.batchSize) {
    const batch = batchFromExamples(examples.slice(start, start + opts.batchSize));
    const logits = tf.tidy(() => {
      const ids = tf.tensor2d(batch.inputIds, [batch.batchSize, batch.seqLength], 'int32');
      return forward(ids);
    });
    const values = (await logits.data()) as Float32Array;
    numClasses = logits.shape[logits.shape.length - 1] as number;
    logits.dispose();
    out ??= new Float32Array(examples.length * numClasses);
    out.set(values, start * numClasses);
  }
  return { logits: out ?? new Float32Array(0), numClasses };
}
