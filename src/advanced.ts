/**
 * tfdistill/advanced: the building blocks `distill()`, `prune()` and `quantize()` are made of, for writing your own
 * training loop, loss or compression step: wasm kernel switches, the checkpoint format's constants and limits, AdamW
 * and its schedule, clipping, accumulation, loss scaling, the training step, each loss function, the encoder's
 * layers, precision and dropout controls, batching and teacher-cache internals, masks, calibration and quantization
 * math. Everyday calls (distill, evaluate, predict, prune, ...) are in `tfdistill`. Importing this entry registers
 * tfdistill's layers with TF.js serialization, as `tfdistill` does.
 *
 * @example
 * ```ts
 * import { AdamW, learningRateAt, trainStep, disposeStepResult, softTargetKL } from 'tfdistill/advanced';
 * const optimizer = new AdamW({ learningRate: 5e-4, weightDecay: 0.01 });
 * optimizer.setLearningRate(learningRateAt(step, { base: 5e-4, warmupSteps: 100, totalSteps: 1000, decay: 'linear' }));
 * const lossFn = () => {
 *   const kd = softTargetKL(student.predict(ids) as tf.Tensor2D, teacherLogits, { temperature: 4 }); // [batch, classes] in
 *   return { total: kd, terms: { kd } };
 * };
 * disposeStepResult(await trainStep({ variables: studentVariables, lossFn, optimizer, clipGlobalNorm: 1 }));
 * ```
 * @packageDocumentation
 */
import './models/register.js';

// Backend kernels: tfdistill's wasm SIMD kernels and overrides (useBackend('wasm') installs them), the threaded build.
export { registerWasmKernels, installWasmOverrides, restoreStockWasmKernels } from './backend/wasm-kernels/register.js';
export { startWasmThreaded } from './backend/wasm-threads.js';
export { embeddingLookup } from './backend/embedding.js';
export { backendNames, type ConcreteBackendName, type ModuleImporter } from './backend/backend-info.js';

// The checkpoint format: names, versions and file layout (src/io/FORMAT.md).
export { CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, type TrainingState } from './io/checkpoint-meta.js';
export { META_JSON } from './io/save-model.js';
export { TOKENIZER_JSON, resolveCheckpointDir } from './io/classifier-checkpoint.js';
export { STUDENT_DIR } from './train/distill-finish.js';
export type { OptimizerState, NamedTensor } from './io/optimizer-files.js';
export { fileSystemHandler, type FileHandlerOptions } from './io/file-router.js';
export { loadGraphModelFile } from './io/graph-model-files.js';

// Limits applied to untrusted input (README "Errors and reliability"): parsers refuse anything larger.
export { DEFAULT_MAX_TOTAL_BYTES } from './io/validate-manifest.js';
export { MAX_JSON_BYTES } from './io/read-json.js';
export { checkTopology, MAX_TOPOLOGY_DEPTH } from './io/validate-topology.js';
export { MAX_TOKENIZER_BYTES } from './data/tokenizer/tokenizer-folder.js';
export { MAX_VOCAB_SIZE } from './data/tokenizer/tokenizer-vocab.js';
export { MAX_ROW_CHARS } from './data/readers/jsonl-rows.js';

// The optimizer and its schedule: AdamW as torch.optim.AdamW, warmup + linear/cosine decay.
export { AdamW, DEFAULT_NO_DECAY, type AdamWOptions, type AdamWState } from './train/adamw.js';
export { learningRateAt, type LrDecay, type LrScheduleOptions } from './train/lr-schedule.js';

// The training step: gradients, clipping, accumulation, dynamic loss scaling, data-parallel replicas.
export { disposeStepResult, trainStep, type LossOutput, type TrainStepOptions, type TrainStepResult } from './train/step.js';
export { lossAndGradients } from './train/gradients.js';
export { clipByGlobalNorm, globalNorm, type ClippedGradients } from './train/clip.js';
export { GradientAccumulator, type GradientAccumulatorOptions } from './train/accumulate.js';
export { allFinite, DynamicLossScale, type LossScaleOptions, type LossScaleState } from './train/loss-scale.js';
export { ReplicaPool, type ReplicaPoolOptions } from './train/parallel/replica-pool.js';
export { combineWithPeers, type PeerGradients } from './train/parallel/combine.js';

// Around the loop: step checkpoints, progress, metrics.jsonl, graceful stop, metrics from logits.
export { CheckpointManager, type TrainingSnapshot } from './train/checkpoints.js';
export { ProgressReporter, type ProgressOptions, type ProgressStream, type ProgressUpdate } from './train/progress.js';
export { MetricsLog, type MetricsRecord } from './train/metrics-log.js';
export { StopSignal, type SignalSource, type StopSignalOptions } from './train/stop-signal.js';
export type { EvalMetricsInput } from './eval/metrics.js';
export { renderReport, parseMetrics, type ReportInput, type MetricRecord } from './report/html-report.js';

// Losses: pure functions of tensors inside tf.tidy, each returning a scalar the caller owns; the typed registry.
export { softTargetKL, type SoftTargetOptions } from './losses/soft-target.js';
export { hardCrossEntropy, type CrossEntropyOptions } from './losses/cross-entropy.js';
export {
  distillationLoss,
  DEFAULT_ALPHA,
  DEFAULT_TEMPERATURE,
  type DistillationLossOptions,
  type DistillationLossResult,
} from './losses/distillation-loss.js';
export { topK } from './losses/top-k.js';
export type { TeacherLogits, TopKLogits, TopKMode } from './losses/types.js';
export { scheduleValue } from './losses/schedule.js';
export { createProjection, type Projection, type ProjectionShape } from './losses/projection.js';
export { hiddenMSE, cosineEmbedding, type HiddenLossOptions } from './losses/hidden.js';
export { attentionKL, attentionMSE, type AttentionLossOptions } from './losses/attention.js';
export { intermediateLoss, type IntermediateLossOptions, type IntermediateTerm } from './losses/intermediate.js';
export { checkIntermediateShapes, intermediateShapesOf, type IntermediateShapes } from './losses/check-shapes.js';
export {
  distillLosses,
  getDistillLoss,
  intermediateLosses,
  type DistillLossFn,
  type DistillLossName,
  type DistillLossOptions,
  type IntermediateLossEntry,
  type IntermediateLossName,
  type IntermediateOutput,
} from './losses/registry.js';
export { maskedMean } from './losses/masked-mean.js';
export type { WarnFn } from './losses/warn-once.js';

// Encoder internals: resolved options, outputs, parts, student initialisation, input conventions.
export { resolveEncoderOptions, scaleEncoderOptions, type ResolvedEncoderOptions } from './models/options.js';
export { encoderOutputs, type EncoderRunOptions } from './models/outputs.js';
export { encoderParts, type EncoderParts } from './models/parts.js';
export { initStudentFromTeacher, type InitReport } from './models/init-from-teacher.js';
export { takesTokenTypes, encoderPadId } from './models/inputs.js';
export type { SyncTeacher } from './models/types.js';

// Layers: real tf.layers.Layer classes, registered for serialization, so a saved student loads in stock TF.js.
export { TfdEmbedding, type EmbeddingConfig } from './models/layers/embedding.js';
export { TfdEncoderBlock, type EncoderBlockConfig } from './models/layers/encoder-block.js';
export { TfdPrunedEncoderBlock, type PrunedBlockConfig } from './models/layers/pruned-block.js';
export { TfdMultiHeadSelfAttention } from './models/layers/self-attention.js';
export { TfdLayerNorm } from './models/layers/layer-norm.js';
export { TfdPooling, type Pooling } from './models/layers/pooling.js';
export { TfdDense } from './models/layers/dense.js';
export { TfdIdentity } from './models/layers/identity.js';
export type { Activation } from './models/layers/ops.js';

// Numerics: emulated half precision, seeded dropout, activation taps for intermediate losses.
export {
  roundToFloat16,
  roundToBfloat16,
  setComputePrecision,
  getComputePrecision,
  applyPrecision,
  type ComputePrecision,
} from './models/precision.js';
export { setDropoutSeed, dropoutSeedState, restoreDropoutSeedState } from './models/dropout.js';
export { setActivationHook, withActivationHook, layerOutput, type ActivationHook } from './models/activation-hook.js';

// Data internals: labels, batching and padding, epoch order, reader details, the teacher cache file.
export { buildLabelMap, labelToId } from './data/labels.js';
export { makeBatches } from './data/batching/make-batches.js';
export { batchFromExamples, PAD_ID, type BatchPadding } from './data/batching/batch.js';
export { batchesPerEpoch, type BatchingOptions } from './data/batching/batch-plan.js';
export { EpochIterator, type BatchPosition, type PositionedBatch } from './data/batching/epoch-iterator.js';
export type { Batch, PaddedIds } from './data/types.js';
export { formatFromPath, type DataFormat } from './data/readers/read-records.js';
export type { ColumnOptions } from './data/readers/row-schema.js';
export type { BadRow, BadRowReport } from './data/readers/bad-rows.js';
export { readTeacherCache, parseTeacherCache, type TeacherCache, type ReadTeacherCacheOptions } from './data/teacher-cache/read.js';
export type { TopKRow } from './data/teacher-cache/rows.js';
export { shardFromEnv, shardRows } from './data/teacher-cache/shard.js';
export type { CacheDtype } from './data/teacher-cache/format.js';

// Pruning internals: magnitude masks, schedules, structured plans (heads, FFN neurons, blocks).
export { magnitudeMasks, PruneMasks, DEFAULT_PRUNE_EXCLUDE, type MagnitudeOptions } from './compress/prune-masks.js';
export { scheduleSteps, type PruneSchedule } from './compress/schedule.js';
export { applyStructuredPlan, encoderBlocks, l2Importance, type StructuredPlan, type BlockInfo } from './compress/structured.js';
export { structuredPlan, type StructuredOptions } from './compress/structured-plan.js';
export { removeBlocks, blockImportance, removeLeastImportantBlocks } from './compress/remove-blocks.js';

// Quantization internals: the converter's affine math, simulated int8 activations, per-layer sensitivity, sizes.
export { affineQuantize, affineDequantize, roundTrip, WEIGHT_DTYPES, type AffineQuantized } from './compress/quant-math.js';
export { withQuantizedWeights } from './compress/quantize.js';
export { writeQuantizedCheckpoint, quantizedModelFiles, type StoredWeight } from './compress/write-quantized.js';
export {
  calibrate,
  withInt8Activations,
  int8ActivationQuality,
  type Calibration,
  type CalibrateOptions,
  type ActivationRange,
} from './compress/calibrate.js';
export { fakeQuantInt8, int8Params, type Int8Params } from './compress/fake-quant.js';
export { ActivationHistogram } from './compress/activation-histogram.js';
export { sensitivity, resolveTarget, type LayerSensitivity, type AdaptivePoint } from './compress/mixed-precision.js';
export { modelSize, type ModelSize } from './compress/size.js';
export { medianLatency, type LatencyOptions } from './compress/latency.js';

// Evaluation and serving internals: per-class scores, latency statistics, the micro-batcher, batch benchmarks.
export { classificationReport, type ClassificationReport, type ClassScores } from './eval/classification-report.js';
export { latencyStats, percentile, type LatencyStats } from './eval/latency-stats.js';
export type { BatchBenchmark } from './eval/benchmark.js';
export { MicroBatcher, type MicroBatcherOptions, type MicroBatcherStats } from './serve/micro-batcher.js';
export type { LongTextMode } from './serve/long-text.js';

// Embedding distillation: the losses, the agreement metrics, and the PCA of an embedding checkpoint's target space.
export { embeddingLoss, type EmbeddingLossKind, type EmbeddingLossResult } from './losses/embedding.js';
export { embeddingAgreement, type EmbeddingAgreement, type Vectors } from './eval/embedding-metrics.js';
export { applyPca, fitPca, type Pca } from './data/pca.js';
