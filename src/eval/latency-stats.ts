/**
 * Summary statistics of latency samples: the order statistics benchmarks report (min, percentiles, max).
 */
import { require_ } from '../errors.js';

/**
 * Latency summary in milliseconds.
 *
 * @example
 * ```ts
 * const s: LatencyStats = latencyStats([3, 1, 2]); // { min: 1, p50: 2, ..., max: 3, mean: 2 }
 * ```
 */
export interface LatencyStats {
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile (the smallest sample with at least `p`% of samples at or below it) of ascending `sorted`.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  require_(sorted.length > 0, 'percentile of zero samples');
  require_(p >= 0 && p <= 100, `percentile must be in [0, 100], got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/**
 * {@link LatencyStats} of `samples` (any order).
 *
 * @example
 * ```ts
 * latencyStats(times).p95;
 * ```
 */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}
