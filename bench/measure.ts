/**
 * Timing harness: medians of timed calls after warm-up, tensor counts after every training step and the
 * resident set size seen while a contender runs.
 */
import * as tf from '@tensorflow/tfjs';
import { timeMedian } from './time-median.js';
import { workload, type Contender, type Figures } from './workload.js';

/**
 * How many calls to time. `quick` is a smoke run; the full run matches the peer scripts (3 warm-up, 10 timed).
 *
 * @example
 * ```ts
 * const plan: Plan = { warmup: 1, steps: 3, latencyRuns: 20 };
 * ```
 */
export interface Plan {
  warmup: number;
  steps: number;
  /** Timed batch-1 forward passes (median reported). */
  latencyRuns: number;
}

/** Tracks the largest RSS sampled since construction, in MB. */
class RssPeak {
  peak = 0;
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().rss / 2 ** 20);
  }
}

/**
 * Measures figures (a)-(f) of the standard workload for one contender.
 *
 * @example
 * ```ts
 * const figures = await measure(buildTfdistill(), { warmup: 3, steps: 10, latencyRuns: 50 });
 * ```
 */
export async function measure(c: Contender, plan: Plan): Promise<Figures & { kdStepS: number; cachedKdStepS: number }> {
  const rss = new RssPeak();
  const counts: number[] = [];
  const afterStep = () => {
    counts.push(tf.memory().numTensors + (c.workerTensors?.() ?? 0));
    rss.sample();
  };
  const B = workload.batch;
  const kdStepS = await timeMedian(() => c.kdStep(false), { warmup: plan.warmup, n: plan.steps, after: afterStep });
  const cachedKdStepS = await timeMedian(() => c.kdStep(true), { warmup: plan.warmup, n: plan.steps, after: afterStep });
  const teacherS = await timeMedian(() => c.teacherForward(), { warmup: plan.warmup, n: plan.steps, after: () => rss.sample() });
  const b32 = await timeMedian(() => c.studentForward(32), { warmup: plan.warmup, n: plan.steps });
  const b1 = await timeMedian(() => c.studentForward(1), { warmup: 3, n: plan.latencyRuns });
  rss.sample();
  return {
    kdStepS,
    cachedKdStepS,
    kdStepSamplesPerSec: B / kdStepS,
    cachedKdStepSamplesPerSec: B / cachedKdStepS,
    teacherForwardSamplesPerSec: B / teacherS,
    studentLatencyMsB1: b1 * 1000,
    studentLatencyMsB32: b32 * 1000,
    numTensorsFlat: Math.min(...counts) === Math.max(...counts),
    peakRssMB: Math.round(rss.peak),
  };
}
