import * as tf from '@tensorflow/tfjs';

/**
 * Options of {@link medianLatency}.
 *
 * @example
 * ```ts
 * const opts: LatencyOptions = { seqLength: 64, runs: 20, warmup: 3 };
 * ```
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
  const now = opts.now ?? (() => performance.now());
  const ids = tf.tensor2d(Array.from({ length: seq }, (_, i) => 1 + (i % 50)), [1, seq], 'int32'); // [1, seq]
  const once = async () => {
    const out = model.predict(ids) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(out) ? out[0] : out;
    await first.data();
    tf.dispose(out);
  };
  try {
    if (opts.warmup !== undefined) {
      for (let i = 0; i < opts.warmup; i++) await once();
    } else {
      const start = now();
      for (let i = 0; i < 5 || now() - start < WARMUP_MS; i++) await once();
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = now();
      await once();
      times.push(now() - t0);
    }
    times.sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  } finally {
    ids.dispose();
  }
}
