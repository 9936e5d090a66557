/** Memory sampling shared by the soak and load scripts: tfjs tensors/bytes and process RSS at a point in time. */
import * as tf from '@tensorflow/tfjs';

/** One memory sample. */
export interface MemorySample {
  at: number;
  numTensors: number;
  numBytes: number;
  rssMiB: number;
}

/**
 * Samples memory after a GC when `--expose-gc` is on (so RSS reflects live data, not garbage awaiting collection).
 *
 * @example
 * ```ts
 * const s = sampleMemory(500); // { at: 500, numTensors: 42, numBytes: 10240, rssMiB: 310.5 }
 * ```
 */
export function sampleMemory(at: number): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = tf.memory();
  return { at, numTensors: m.numTensors, numBytes: m.numBytes, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

/**
 * Growth from the first sample after warm-up to the last: tensors and bytes must not grow; RSS growth in percent.
 *
 * @example
 * ```ts
 * const { tensorGrowth, byteGrowth, rssGrowthPct } = growth(samples.slice(1));
 * ```
 */
export function growth(samples: MemorySample[]): { tensorGrowth: number; byteGrowth: number; rssGrowthPct: number } {
  const first = samples[0],
    last = samples.at(-1)!;
  return {
    tensorGrowth: last.numTensors - first.numTensors,
    byteGrowth: last.numBytes - first.numBytes,
    rssGrowthPct: (100 * (last.rssMiB - first.rssMiB)) / first.rssMiB,
  };
}

/** Percentile of unsorted values (nearest rank). @example `percentile([3, 1, 2], 50) // 2` */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
