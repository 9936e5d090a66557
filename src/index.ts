/**
 * tfdistill: knowledge distillation for TensorFlow.js. Train a small, fast transformer student from a big teacher
 * in Node (wasm, or tfjs-node(-gpu) when installed), export it in the standard TF.js format, and serve it in Node or
 * the browser.
 *
 * @example
 * ```ts
 * import { distill } from 'tfdistill';
 * const result = await distill({ teacher: 'teacher/', train: 'train.csv', student: { dModel: 128 }, out: 'run/' });
 * console.log(result.best?.metrics, result.checkpointDir);
 * ```
 * @packageDocumentation
 */

// The main entry point: distill a teacher into a student.
export { distill } from './train/distill.js';
export type {
  DistillOptions, DistillResult, DistillCallbacks, DataSource, PreparedData, TeacherSource, StudentSource, EvalMetricName,
} from './train/distill-options.js';
export { STUDENT_DIR } from './train/distill-finish.js';

// Backends: auto picks tfjs-node-gpu > tfjs-node > wasm > cpu and says why.
export { useBackend } from './backend/use-backend.js';
export { backendNames } from './backend/backend-info.js';
export type { BackendInfo, BackendName, ConcreteBackendName, UseBackendOptions, ModuleImporter } from './backend/backend-info.js';
export { registerWasmKernels, installWasmOverrides, restoreStockWasmKernels } from './backend/wasm-kernels/register.js';
export { startWasmThreaded } from './backend/wasm-threads.js';
export { embeddingLookup } from './backend/embedding.js';

// Models: serializable transformer encoders (importing tfdistill registers their layers), presets, teacher adapters.
export * from './models/index.js';

// Losses: temperature-scaled KL + CE, intermediate-layer losses, schedules, a typed registry.
export * from './losses/index.js';

// Data: CSV/JSONL readers, tokenizer (HF tokenizer.json), batching, the teacher cache, built-in data.
export { readRecords, loadRecords, formatFromPath, type ReadRecordsOptions, type ReadSummary, type LoadedRecords, type DataFormat } from './data/readers/read-records.js';
export { recordsFromArray, type ArrayItem, type ArrayRecordOptions } from './data/readers/records-from-array.js';
export { buildLabelMap, labelToId } from './data/labels.js';
export type { BadRow, BadRowReport, BadRowPolicy } from './data/readers/bad-rows.js';
export type { ColumnOptions } from './data/readers/row-schema.js';
export { splitRecords, type SplitOptions, type Split } from './data/split.js';
export { makeBatches } from './data/batching/make-batches.js';
export { batchFromExamples, PAD_ID, type BatchPadding } from './data/batching/batch.js';
export { batchesPerEpoch, type BatchingOptions } from './data/batching/batch-plan.js';
export { EpochIterator, type BatchPosition, type PositionedBatch } from './data/batching/epoch-iterator.js';
export { builtinDatasetPath, builtinDatasets, type BuiltinDatasetName } from './data/readers/builtin-datasets.js';
export { prepareDatasets, type PrepareOptions, type PreparedDatasets } from './data/prepare.js';
export { loadTokenizer, saveTokenizer, tokenizerFromJson } from './data/tokenizer/tokenizer.js';
export { trainWordPiece, type TrainWordPieceOptions } from './data/tokenizer/wordpiece-trainer.js';
export { cacheTeacherOutputs, type CacheTeacherOptions } from './data/teacher-cache/write.js';
export { readTeacherCache, parseTeacherCache, type TeacherCache, type ReadTeacherCacheOptions } from './data/teacher-cache/read.js';
export { mergeTeacherCaches } from './data/teacher-cache/merge.js';
export { parseShard, shardFromEnv, shardRows, type Shard } from './data/teacher-cache/shard.js';
export type { TeacherCacheHeader, CacheDtype } from './data/teacher-cache/format.js';
export type { TextRecord, Example, Batch, TextTokenizer, TokenizedText, PaddedIds } from './data/types.js';

// Training building blocks: AdamW, schedules, clipping, accumulation, loss scaling, the step, progress, metrics.
export * from './train/index.js';
export { resolveTeacher, type ResolvedTeacher, type ResolveTeacherOptions } from './train/resolve-teacher.js';
export { CheckpointManager, type TrainingSnapshot } from './train/checkpoints.js';

// Checkpoints: stock TF.js model.json + shards, tfdistill.json, atomic writes, validated loads, file:// in Node.
export {
  saveModel, loadModel, readCheckpointMeta, isCheckpointDir, registerFileRouter, fileSystemHandler,
  CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, DEFAULT_MAX_TOTAL_BYTES,
  type CheckpointMeta, type TrainingState, type OptimizerState, type NamedTensor,
  type SaveModelOptions, type LoadModelOptions, type LoadedCheckpoint,
} from './io/index.js';
export { saveClassifier, loadClassifier, resolveCheckpointDir, TOKENIZER_JSON, type ClassifierCheckpoint } from './io/classifier-checkpoint.js';
export { loadGraphModelFile } from './io/graph-model-files.js';
// Limits applied to untrusted input (documented in README "Reliability"): parsers refuse anything larger.
export { MAX_JSON_BYTES } from './io/read-json.js';
export { checkTopology, MAX_TOPOLOGY_DEPTH } from './io/validate-topology.js';
export { MAX_TOKENIZER_BYTES } from './data/tokenizer/tokenizer.js';
export { MAX_VOCAB_SIZE } from './data/tokenizer/tokenizer-json.js';
export { MAX_ROW_CHARS } from './data/readers/jsonl-rows.js';

// Compression: magnitude and structured pruning, converter-exact weight quantization, the optimize pipeline.
export * from './compress/index.js';

// Evaluation and benchmarks: accuracy, macro-F1, per-class scores, confusion, ECE, teacher agreement; honest latency.
export { evaluate, type EvaluateOptions, type EvaluationResult, type EvalDataset } from './eval/evaluate.js';
export { formatEvaluation } from './eval/format-evaluation.js';
export { predictLogits, type PredictLogitsOptions } from './eval/predict-logits.js';
export { classificationReport, type ClassificationReport, type ClassScores } from './eval/classification-report.js';
export { benchmark, type BenchmarkOptions, type BenchmarkResult, type BatchBenchmark } from './eval/benchmark.js';
export { compareBenchmarks, formatBenchmark, formatComparison, type BenchmarkComparison } from './eval/format-benchmark.js';
export { latencyStats, percentile, type LatencyStats } from './eval/latency-stats.js';
export type { ClassifierSource } from './eval/classifier-source.js';

// Serving: micro-batched prediction, streaming JSONL/CSV/text in bounded memory, long-text chunking.
export { createPredictor, type Predictor, type Prediction, type PredictorOptions } from './serve/predictor.js';
export { predictStream, type PredictStreamOptions, type PredictStreamSummary, type StreamResult } from './serve/predict-stream.js';
export type { StreamFormat } from './serve/input-records.js';
export type { LongTextMode } from './serve/long-text.js';
export { MicroBatcher, type MicroBatcherOptions, type MicroBatcherStats } from './serve/micro-batcher.js';
export { microBatchTradeoff, formatTradeoff, type TradeoffSetting, type TradeoffRow } from './serve/tradeoff.js';

// The student in the browser: a static folder with stock tf.min.js, the model, tokenizer and a page.
export { exportWeb, type ExportWebOptions, type ExportWebResult } from './web/export-web.js';
export type { WebQuantization } from './web/quantize-weights.js';

// Reports.
export { renderReport, parseMetrics, type ReportInput, type MetricRecord } from './report/html-report.js';

// Errors: every user-fixable problem is a TfdistillError with a stable code.
export { TfdistillError, type TfdistillErrorCode } from './errors.js';
export { version } from './version.js';
