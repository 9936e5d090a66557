/**
 * `benchmark`: how fast a classifier runs here, per batch size: latency percentiles, throughput, tensor memory and
 * process RSS, with the backend, parameter count and size on disk needed to compare two models fairly.
 */
import * as tf from '@tensorflow/tfjs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { require_ } from '../errors.js';
import { countParameters } from '../models/summary.js';
import { resolveClassifier, type ClassifierSource } from './classifier-source.js';
import type { LatencyStats } from './latency-stats.js';
import { logitsForIds } from './predict-logits.js';
import { timeRuns } from './time-runs.js';

/**
 * Options for {@link benchmark}.
 */
export interface BenchmarkOptions {
  /** Default [1, 8, 32]. */
  batchSizes?: number[];
  /** Tokens per row (default 128, capped at the model's maxLength when known). */
  seqLen?: number;
  /** Untimed runs per batch size first (default 5): kernel compilation, allocator warm-up. */
  warmup?: number;
  /** Timed runs per batch size (default 50). */
  runs?: number;
  /** Clock in ms (default `performance.now`); injectable for tests. */
  now?: () => number;
}

/**
 * Measurements for one batch size. Latency covers the forward pass and the download of the logits.
 *
 * @example
 * ```ts
 * const row: BatchBenchmark = result.batches[0];
 * console.log(row.batchSize, row.latencyMs.p50, row.textsPerSecond);
 * ```
 */
export interface BatchBenchmark {
  batchSize: number;
  latencyMs: LatencyStats;
  /** batchSize / mean latency. */
  textsPerSecond: number;
  /** `tf.memory()` right after the timed runs (the model's weights plus anything the backend keeps). */
  tensorBytes: number;
  numTensors: number;
  /** Process resident set size after the timed runs. */
  rssBytes: number;
}

/**
 * What {@link benchmark} returns (also the `tfdistill bench --json` document).
 *
 * @example
 * ```ts
 * const r: BenchmarkResult = await benchmark('student/');
 * console.log(r.backend, r.parameters, r.batches.map((b) => b.latencyMs.p50));
 * ```
 */
export interface BenchmarkResult {
  model: string;
  backend: string;
  parameters: number;
  /** Bytes of all files in the checkpoint directory; absent for an in-memory model. */
  sizeOnDiskBytes?: number;
  seqLen: number;
  warmup: number;
  runs: number;
  batches: BatchBenchmark[];
}

/**
 * Benchmarks inference of a classifier for each batch size on the current backend (call `useBackend` first).
 * Inputs are synthetic token ids of length `seqLen`; every run is tidy, so memory readings show steady state.
 *
 * @example
 * ```ts
 * await useBackend('wasm');
 * const r = await benchmark('student/', { batchSizes: [1, 8, 32], seqLen: 128 });
 * console.log(formatBenchmark(r));
 * ```
 */
export async function benchmark(source: ClassifierSource, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  const batchSizes = options.batchSizes ?? [1, 8, 32];
  const warmup = options.warmup ?? 5;
  const runs = options.runs ?? 50;
  const now = options.now ?? (() => performance.now());
  require_(
    batchSizes.length > 0 && batchSizes.every((b) => Number.isInteger(b) && b > 0),
    `batchSizes must be positive integers, got [${batchSizes.join(', ')}]`,
  );
  require_(Number.isInteger(warmup) && warmup >= 0, `warmup must be an integer >= 0, got ${warmup}`);
  require_(Number.isInteger(runs) && runs >= 1, `runs must be an integer >= 1, got ${runs}`);
  const c = await resolveClassifier(source);
  try {
    const seqLen = Math.min(options.seqLen ?? 128, c.maxLength ?? Infinity);
    require_(Number.isInteger(seqLen) && seqLen >= 1, `seqLen must be a positive integer, got ${options.seqLen}`);
    const batches: BatchBenchmark[] = [];
    for (const batchSize of batchSizes) {
      const ids = syntheticIds(batchSize, seqLen, c.tokenizer?.vocabSize ?? 98);
      const latencyMs = await timeRuns(
        async () => {
          const logits = logitsForIds(c.model, ids, batchSize, seqLen);
          try {
            await logits.data();
          } finally {
            logits.dispose();
          }
        },
        { warmup, runs, now },
      );
      const mem = tf.memory();
      batches.push({
        batchSize,
        latencyMs,
        textsPerSecond: (batchSize * 1000) / latencyMs.mean,
        tensorBytes: mem.numBytes,
        numTensors: mem.numTensors,
        rssBytes: process.memoryUsage().rss,
      });
    }
    return {
      model: typeof source === 'string' ? source : (c.dir ?? c.model.name),
      backend: tf.getBackend(),
      parameters: countParameters(c.model),
      ...(c.dir ? { sizeOnDiskBytes: await directoryBytes(c.dir) } : {}),
      seqLen,
      warmup,
      runs,
      batches,
    };
  } finally {
    c.release();
  }
}

/** Ids cycling through 1..min(97, vocab-1): never padding, inside the vocabulary, not all equal. */
function syntheticIds(rows: number, seqLen: number, vocabSize: number): Int32Array {
  const span = Math.max(1, Math.min(97, vocabSize - 1));
  return Int32Array.from({ length: rows * seqLen }, (_, i) => 1 + ((i * 7) % span)); // [rows, seqLen]
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? await directoryBytes(p) : (await stat(p)).size;
  }
  return total;
}
