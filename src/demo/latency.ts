import * as tf from '@tensorflow/tfjs';
import type { Example } from '../data/types.js';

/**
 * Median latency (ms) of classifying one example at a time with `model.predict`, after warm-up runs: the number a
 * user serving single requests sees. Reads each result back (a real request waits for it).
 *
 * @example
 * ```ts
 * const ms = await medianLatencyMs(student, validation.slice(0, 50));
 * ```
 */
export async function medianLatencyMs(model: tf.LayersModel, examples: readonly Example[], opts: { warmup?: number } = {}): Promise<number> {
  const run = async (e: Example) => {
    const ids = tf.tensor2d(e.ids, [1, e.ids.length], 'int32');
    const out = model.predict(ids) as tf.Tensor | tf.Tensor[];
    const logits = Array.isArray(out) ? out[0] : out;
    await logits.data();
    tf.dispose([ids, out]);
  };
  for (let i = 0; i < (opts.warmup ?? 5); i++) await run(examples[i % examples.length]);
  const times: number[] = [];
  for (const e of examples) {
    const t0 = performance.now();
    await run(e);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
