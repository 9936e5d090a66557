import { require_ } from '../errors.js';
import { latencyStats, type LatencyStats } from './latency-stats.js';

/**
 * Options of {@link timeRuns}.
 */
export interface TimeRunsOptions {
  /** Untimed calls first. Default 5. */
  warmup?: number;
  /**
   * Keep warming up until this many ms have passed too. Default 0. On wasm the first few dozen batch-1 calls after a
   * model was loaded (or used with other shapes) are measurably slower, so a count alone can end warm-up too early.
   */
  warmupMs?: number;
  /** Timed calls. Default 10. */
  runs?: number;
  /** Clock in ms; injected by tests. */
  now?: () => number;
}

/**
 * Times `once` (which must wait for its result) after a warm-up: the one latency loop behind `benchmark`,
 * `medianLatency` and the demo's table. Returns the order statistics of the timed calls (`p50` is the median).
 *
 * @example
 * ```ts
 * const { p50 } = await timeRuns(async () => { const y = model.predict(x) as tf.Tensor; await y.data(); y.dispose(); });
 * ```
 */
export async function timeRuns(once: (run: number) => Promise<void>, options: TimeRunsOptions = {}): Promise<LatencyStats> {
  const { warmup = 5, warmupMs = 0, runs = 10 } = options;
  const now = options.now ?? (() => performance.now());
  require_(Number.isInteger(warmup) && warmup >= 0, `warmup must be an integer >= 0, got ${warmup}`);
  require_(Number.isInteger(runs) && runs >= 1, `runs must be an integer >= 1, got ${runs}`);
  const start = now();
  for (let i = 0; i < warmup || now() - start < warmupMs; i++) await once(i);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await once(i);
    samples.push(now() - t0);
  }
  return latencyStats(samples);
}
