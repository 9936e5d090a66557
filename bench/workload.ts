/**
 * The standard workload of the performance issue, shared by the tfdistill run and the hand-written baseline:
 * teacher d256 x 4 blocks x 4 heads (FFN 1024), student d128 x 2 blocks x 2 heads (FFN 512), vocab 8000,
 * max length 128, 2 classes, batch 32 x seq 128 of random ids, T = 4, alpha = 0.7, AdamW lr 1e-4, dropout 0.1.
 */
import type * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import type { BackendInfo } from '../src/backend/backend-info.js';
import { useBackend } from '../src/backend/use-backend.js';

/**
 * Sizes and loss settings of the standard workload.
 *
 * @example
 * ```ts
 * const ids = randomBatch(workload, 1).inputIds; // Int32Array of 32 * 128 ids in [1, 8000)
 * ```
 */
export const workload = {
  vocab: 8000,
  maxLength: 128,
  classes: 2,
  batch: 32,
  seq: 128,
  temperature: 4,
  alpha: 0.7,
  learningRate: 1e-4,
  dropout: 0.1,
  teacher: { dModel: 256, numLayers: 4, numHeads: 4, ffnDim: 1024 },
  student: { dModel: 128, numLayers: 2, numHeads: 2, ffnDim: 512 },
} as const;

/** The workload's sizes, with room for other sequence lengths and students (the scaling bench). @example `const w: Workload = { ...workload, seq: 256, maxLength: 256 };` */
export type Workload = Omit<typeof workload, 'seq' | 'maxLength' | 'student'> & {
  seq: number;
  maxLength: number;
  student: { dModel: number; numLayers: number; numHeads: number; ffnDim: number };
};

/**
 * One host batch of random ids in [1, vocab) and random labels, from a small seeded generator so both
 * contenders see the same data.
 *
 * @example
 * ```ts
 * const { inputIds, labels } = randomBatch(workload, 7);
 * ```
 */
export function randomBatch(
  w: Pick<Workload, 'batch' | 'seq' | 'vocab' | 'classes'>,
  seed: number,
): { inputIds: Int32Array; labels: Int32Array } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const inputIds = new Int32Array(w.batch * w.seq).map(() => 1 + (next() % (w.vocab - 1)));
  const labels = new Int32Array(w.batch).map(() => next() % w.classes);
  return { inputIds, labels };
}

/**
 * The figures one contender reports (the shape of `bench/results/*.json`, minus the run metadata).
 *
 * @example
 * ```ts
 * const f: Figures = await measureTfdistill({ quick: true });
 * ```
 */
export interface Figures {
  kdStepSamplesPerSec: number;
  cachedKdStepSamplesPerSec: number;
  teacherForwardSamplesPerSec: number;
  studentLatencyMsB1: number;
  studentLatencyMsB32: number;
  /** tf.memory().numTensors (plus any replica workers' counts) identical after every timed training step. */
  numTensorsFlat: boolean;
  peakRssMB: number;
}

/**
 * What a contender hands the timing harness: closures over its own models and data.
 *
 * @example
 * ```ts
 * const c: Contender = buildBaseline(); await c.kdStep(false);
 * ```
 */
export interface Contender {
  /** One full training step (teacher live unless `cached`), with everything it creates freed. */
  kdStep(cached: boolean): Promise<void>;
  /** Teacher logits for the batch, read back to the host. */
  teacherForward(): void | Promise<void>;
  /** Student logits for `batch` rows, read back to the host. */
  studentForward(batch: 1 | 32): void;
  dispose(): void | Promise<void>;
  /** Tensors held by data-parallel workers after the last step (their engines are not in `tf.memory()`). */
  workerTensors?(): number;
}

/**
 * Reads a tensor back so lazily queued work has really run (wasm is synchronous, but GPU backends are not).
 *
 * @example
 * ```ts
 * sync(logits);
 * ```
 */
export function sync(t: tf.Tensor): void {
  t.dataSync();
}

/**
 * Starts the wasm backend for a bench script: `--threads N` in `argv` picks tfjs-backend-wasm's threaded build with
 * an N-thread XNNPACK pool (default: single-threaded), through `useBackend`'s own `wasmThreads` option.
 *
 * @example
 * ```ts
 * const info = await startBenchBackend(process.argv.slice(2)); // info.wasmThreads: 1, or N with --threads N
 * ```
 */
export async function startBenchBackend(argv: string[]): Promise<BackendInfo> {
  const threads = argv.includes('--threads') ? Number(argv[argv.indexOf('--threads') + 1]) : 1;
  return useBackend('wasm', { wasmThreads: threads > 1 ? threads : undefined });
}

/**
 * `--replicas N|auto` in `argv`: run tfdistill's contender data-parallel over N replicas (this thread + N - 1 workers);
 * `auto` = one per core, at most 4 (as `distill({ runtime: { replicas: 'auto' } })`). Without the flag: `fallback`.
 *
 * @example
 * ```ts
 * const c = await buildTfdistill({ replicas: benchReplicas(process.argv.slice(2)) });
 * ```
 */
export function benchReplicas(argv: string[], fallback: number | 'auto' = 1): number {
  const given = argv.includes('--replicas') ? argv[argv.indexOf('--replicas') + 1] : fallback;
  const n = given === 'auto' ? Math.min(4, os.availableParallelism()) : Number(given);
  if (!(Number.isInteger(n) && n >= 1 && n <= 16)) throw new Error(`--replicas must be an integer in [1, 16] or auto, got ${given}`);
  return n;
}
