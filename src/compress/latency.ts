import * as tf from '@tensorflow/tfjs';
import { timeRuns } from '../eval/time-runs.js';

/**
 * Options of {@link medianLatency}.
 */
export interface LatencyOptions {
  /** Tokens per input row (batch size 1). Default 32. */
  seqLength?: number;
  /** Timed runs; default 10. */
  runs?: number;
  /**
   * Untimed runs first. Default: at least 5 runs and 500 ms, because on wasm the first few dozen batch-1 calls
   * after a model was loaded (or used with other shapes) are measurably slower (6.6 -> 1.7 ms on the demo student).
   */
  warmup?: number;
  /** Clock in ms; injected by tests. */
  now?: () => number;
}

/** Minimum warm-up time of {@link medianLatency} when no warm-up count is given. */
const WARMUP_MS = 500;

/**
 * Median wall time (ms) of one batch-1 forward pass, including reading the logits back (so async backends
 * are measured to completion). Inputs are ids 1..seqLength (no padding).
 *
 * @example
 * ```ts
 * const ms = await medianLatency(model, { seqLength: 64 });
 * ```
 */
export async function medianLatency(model: tf.LayersModel, opts: LatencyOptions = {}): Promise<number> {
  const seq = opts.seqLength ?? 32;
  const runs = opts.runs ?? 10;
  const ids = tf.tensor2d(
    Array.from({ length: seq }, (_, i) => 1 + (i % 50)),
    [1, seq],
    'int32',
  ); // [1, seq]
  try {
    // Without a warm-up count: at least 5 calls and WARMUP_MS (see LatencyOptions.warmup).
    const stats = await timeRuns(
      async () => {
        const out = model.predict(ids) as tf.Tensor | tf.Tensor[];
        await (Array.isArray(out) ? out[0] : out).data();
        tf.dispose(out);
      },
      { warmup: opts.warmup ?? 5, warmupMs: opts.warmup === undefined ? WARMUP_MS : 0, runs, now: opts.now },
    );
    return stats.p50;
  } finally {
    ids.dispose();
  }
}
