import * as tf from '@tensorflow/tfjs';
import type { Example } from '../data/types.js';
import { timeRuns } from '../eval/time-runs.js';

/**
 * Median latency (ms) of classifying one example at a time with `model.predict`, after warm-up runs: the number a
 * user serving single requests sees. Reads each result back (a real request waits for it).
 *
 * @example
 * ```ts
 * const ms = await medianLatencyMs(student, validation.slice(0, 50));
 * ```
 */
export async function medianLatencyMs(
  model: tf.LayersModel,
  examples: readonly Example[],
  opts: { warmup?: number } = {},
): Promise<number> {
  const stats = await timeRuns(
    async (i) => {
      const e = examples[i % examples.length];
      const ids = tf.tensor2d(e.ids, [1, e.ids.length], 'int32');
      const out = model.predict(ids) as tf.Tensor | tf.Tensor[];
      await (Array.isArray(out) ? out[0] : out).data();
      tf.dispose([ids, out]);
    },
    { warmup: opts.warmup ?? 5, runs: examples.length },
  );
  return stats.p50;
}
