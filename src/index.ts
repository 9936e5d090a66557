/**
 * tfdistill: knowledge distillation for TensorFlow.js. Train a small, fast transformer student from a big teacher
 * in Node (wasm, or tfjs-node(-gpu) when installed), export it in the standard TF.js format, and serve it in Node or
 * the browser. This entry holds what a user calls; the building blocks (optimizer, losses, layers, kernels, format
 * limits) are in `tfdistill/advanced`. Importing either registers tfdistill's layers with TF.js serialization.
 *
 * @example
 * ```ts
 * import { distill, evaluate, useBackend } from 'tfdistill';
 * await useBackend('auto');
 * const result = await distill({ teacher: 'teacher/', train: 'train.csv', student: { dModel: 128 }, out: 'run/' });
 * console.log(result.best?.metrics, (await evaluate(result.checkpointDir, 'test.csv')).accuracy);
 * ```
 * @packageDocumentation
 */
import './models/register.js';

// Distill a teacher into a student: the one entry point, its options (and their defaults) and its result.
export { distill } from './train/distill.js';
export { DISTILL_DEFAULTS } from './train/distill-config.js';
export type {
  DistillOptions,
  DistillTask,
  TeacherEmbeddingOptions,
  DistillResult,
  DistillCallbacks,
  DataSource,
  PreparedData,
  TeacherSource,
  StudentSource,
  EvalMetricName,
  DistillDataOptions,
  DistillLossSettings,
  DistillOptimizerOptions,
  DistillScheduleOptions,
  DistillRuntimeOptions,
  DistillCheckpointOptions,
  DistillLoggingOptions,
} from './train/distill-options.js';
export type { IntermediateSpec } from './losses/intermediate-spec.js';
export type { EmbeddingLossOptions } from './losses/embedding.js';
export type { ValueSchedule } from './losses/schedule.js';

// Backends: auto picks tfjs-node-gpu > tfjs-node > wasm > cpu and says why.
export { useBackend } from './backend/use-backend.js';
export type { BackendInfo, BackendName, UseBackendOptions } from './backend/backend-info.js';

// Students: serializable transformer encoders and their presets.
export { createEncoder } from './models/encoder.js';
export { encoderPresets, type EncoderOptions, type EncoderShape, type EncoderOutputKind } from './models/options.js';
export { countParameters, summarizeEncoder } from './models/summary.js';
export type { EncoderOutputs, Teacher } from './models/types.js';

// Teachers: TF.js models, ONNX exports (onnxruntime-node), transformers.js models, or any of them from a path.
export { teacherFromEncoder, teacherFromLayersModel, teacherFromGraphModel } from './models/teacher.js';
export { loadOnnxTeacher, type OnnxTeacher, type OnnxTeacherOptions } from './models/onnx-teacher.js';
export { teacherFromTransformersJs, type TransformersJsModel } from './models/transformers-js-teacher.js';
export { resolveTeacher, type ResolvedTeacher, type ResolveTeacherOptions } from './io/resolve-teacher.js';

// Checkpoints: stock TF.js model.json + shards with tfdistill.json and tokenizer.json; validated loads.
export { saveModel, type SaveModelOptions } from './io/save-model.js';
export { loadModel, readCheckpointMeta, isCheckpointDir, type LoadModelOptions, type LoadedCheckpoint } from './io/load-model.js';
export type { CheckpointMeta } from './io/checkpoint-meta.js';
export { saveClassifier, loadClassifier, type ClassifierCheckpoint } from './io/classifier-checkpoint.js';
export { registerFileRouter } from './io/file-router.js';

// Data: CSV/JSONL readers, arrays, splits, the built-in data set, tokenized and batched datasets.
export { readRecords, loadRecords, type ReadRecordsOptions, type ReadSummary, type LoadedRecords } from './data/readers/read-records.js';
export { recordsFromArray, type ArrayItem, type ArrayRecordOptions } from './data/readers/records-from-array.js';
export type { BadRowPolicy } from './data/readers/bad-rows.js';
export { splitRecords, type SplitOptions, type Split } from './data/split.js';
export { builtinDatasetPath, builtinDatasets, type BuiltinDatasetName } from './data/readers/builtin-datasets.js';
export { prepareDatasets, type PrepareOptions, type PreparedDatasets } from './data/prepare.js';
export type { TextRecord, Example, TextTokenizer, TokenizedText } from './data/types.js';

// Tokenizers: any Hugging Face tokenizer.json, or a WordPiece vocabulary trained on your data.
export { tokenizerFromJson } from './data/tokenizer/tokenizer.js';
export { loadTokenizer, saveTokenizer } from './data/tokenizer/tokenizer-files.js';
export { trainWordPiece, type TrainWordPieceOptions } from './data/tokenizer/wordpiece-trainer.js';

// The teacher cache: run the teacher once (in shards across processes), merge, then train from the file.
export { cacheTeacherOutputs, type CacheTeacherOptions } from './data/teacher-cache/write.js';
export { mergeTeacherCaches } from './data/teacher-cache/merge.js';
export { parseShard, type Shard } from './data/teacher-cache/shard.js';
export type { TeacherCacheHeader } from './data/teacher-cache/format.js';

// Evaluation: accuracy, macro-F1, per-class scores, confusion, ECE, agreement with the teacher.
export { evaluate, type EvaluateOptions, type EvaluationResult, type EvalDataset } from './eval/evaluate.js';
export { formatEvaluation } from './eval/format-evaluation.js';
export { predictLogits, type PredictLogitsOptions } from './eval/predict-logits.js';
export { evalMetrics, type EvalMetrics } from './eval/metrics.js';
export type { ClassifierSource } from './eval/classifier-source.js';

// Benchmarks: warm-up, then batch latency percentiles; a student against its teacher.
export { benchmark, type BenchmarkOptions, type BenchmarkResult } from './eval/benchmark.js';
export { compareBenchmarks, formatBenchmark, formatComparison, type BenchmarkComparison } from './eval/format-benchmark.js';

// Serving: micro-batched prediction, streaming JSONL/CSV/text in bounded memory, long-text chunking.
export { createPredictor } from './serve/predictor.js';
export type { Predictor, Prediction, PredictorOptions } from './serve/predictor-core.js';
export { predictStream, type PredictStreamOptions, type PredictStreamSummary, type StreamResult } from './serve/predict-stream.js';
export type { StreamFormat } from './serve/input-records.js';
export { microBatchTradeoff, formatTradeoff, type TradeoffSetting, type TradeoffRow } from './serve/tradeoff.js';

// Compression: pruning with recovery by distillation, converter-exact weight quantization, the optimize pipeline.
export { prune, type PruneOptions, type PruneResult, type RecoverFn } from './compress/prune.js';
export { quantize, type QuantizeOptions, type QuantizeResult } from './compress/quantize.js';
export { optimize, type OptimizeOptions, type OptimizeResult } from './compress/optimize.js';
export { distillRecovery, distillCheckpoint, type DistillRecoveryOptions } from './compress/recover-with-distill.js';
export { adaptiveAssignment, type AccuracyTarget } from './compress/mixed-precision.js';
export { evalSetFromRecords, loadEvalSet, type EvalSet } from './compress/eval-set.js';
export type { WeightDtype } from './compress/quant-math.js';
export type { DtypeAssignment } from './compress/write-quantized.js';
export type { CompressionRow } from './compress/report.js';

// The student in the browser: a static folder with stock tf.min.js, the model, tokenizer and a page.
export { exportWeb, type ExportWebOptions, type ExportWebResult } from './web/export-web.js';
export type { WebQuantization } from './web/quantize-weights.js';

// Errors: every user-fixable problem is a TfdistillError with a stable code.
export { TfdistillError, type TfdistillErrorCode } from './errors.js';
export { version } from './version.js';
