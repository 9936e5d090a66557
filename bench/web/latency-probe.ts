/**
 * The one latency measurement `npm run bench:web` makes, in Node and in the browser page alike: a student's forward
 * pass on a batch of token ids, timed until its logits are read back (median over `n` runs after `warmup`).
 */
import * as tf from '@tensorflow/tfjs';
import { timeMedian } from '../time-median.js';

/**
 * Milliseconds from `model.predict` to the logits on the host, median of `n` runs after `warmup`, for a batch of
 * `batch` rows of `ids` (row length `seq`). Leaves no tensor behind.
 *
 * @example
 * ```ts
 * const ms = await forwardLatencyMs(student, ids, 1, 128, { warmup: 3, n: 30 });
 * ```
 */
export async function forwardLatencyMs(
  model: tf.LayersModel,
  ids: Int32Array,
  batch: number,
  seq: number,
  o: { warmup: number; n: number },
): Promise<number> {
  const input = tf.tensor2d(ids.subarray(0, batch * seq), [batch, seq], 'int32');
  const once = async (): Promise<void> => {
    const out = tf.tidy(() => {
      const y = model.predict(input) as tf.Tensor | tf.Tensor[];
      return Array.isArray(y) ? y[0] : y;
    });
    await out.data();
    out.dispose();
  };
  try {
    return 1000 * (await timeMedian(once, o));
  } finally {
    input.dispose();
  }
}

/** Runs per batch size: batch 1 is short and noisy, batch 32 long; the cpu backend is ~10x slower still. */
export const runsFor = (batch: number, backend: string): { warmup: number; n: number } =>
  batch === 1
    ? backend === 'cpu'
      ? { warmup: 2, n: 10 }
      : { warmup: 5, n: 40 }
    : backend === 'cpu'
      ? { warmup: 1, n: 3 }
      : { warmup: 2, n: 10 };
