/**
 * Training-loop building blocks: optimizer, schedule, clipping, accumulation, loss scaling, the
 * step core, progress/metrics output, graceful stop and evaluation metrics. `distill()` composes them.
 *
 * @example
 * ```ts
 * import { AdamW, learningRateAt, trainStep, disposeStepResult } from './train/index.js';
 * const optimizer = new AdamW({ learningRate: 5e-4 });
 * optimizer.setLearningRate(learningRateAt(step, { base: 5e-4, warmupSteps: 100, totalSteps: 1000, decay: 'linear' }));
 * disposeStepResult(await trainStep({ variables, lossFn, optimizer, clipGlobalNorm: 1 }));
 * ```
 */
export { AdamW, DEFAULT_NO_DECAY, type AdamWOptions, type AdamWState } from './adamw.js';
export { learningRateAt, type LrDecay, type LrScheduleOptions } from './lr-schedule.js';
export { clipByGlobalNorm, globalNorm, type ClippedGradients } from './clip.js';
export { GradientAccumulator, type GradientAccumulatorOptions } from './accumulate.js';
export { allFinite, DynamicLossScale, type LossScaleOptions, type LossScaleState } from './loss-scale.js';
export { disposeStepResult, trainStep, type LossOutput, type TrainStepOptions, type TrainStepResult } from './step.js';
export { lossAndGradients } from './gradients.js';
export { ReplicaPool, type ReplicaPoolOptions } from './parallel/replica-pool.js';
export { combineWithPeers, type PeerGradients } from './parallel/combine.js';
export { formatDuration, ProgressReporter, type ProgressOptions, type ProgressStream, type ProgressUpdate } from './progress.js';
export { MetricsLog, type MetricsRecord } from './metrics-log.js';
export { resumeMessage, StopSignal, type SignalSource, type StopSignalOptions } from './stop-signal.js';
export { evalMetrics, type EvalMetrics, type EvalMetricsInput } from './eval-metrics.js';
