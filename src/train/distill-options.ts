import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend/backend-info.js';
import type { ArrayItem } from '../data/readers/records-from-array.js';
import type { BadRowPolicy } from '../data/readers/bad-rows.js';
import type { ColumnOptions } from '../data/readers/row-schema.js';
import type { Example, TextTokenizer } from '../data/types.js';
import type { IntermediateSpec } from '../losses/intermediate-spec.js';
import type { ValueSchedule } from '../losses/schedule.js';
import type { EncoderOptions } from '../models/options.js';
import type { TeacherSource } from '../models/types.js';
import type { EvalMetrics } from '../eval/metrics.js';
import type { EmbeddingLossOptions } from '../losses/embedding.js';
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import type { LrDecay } from './lr-schedule.js';
import type { ProgressStream } from './progress.js';

/** Re-exported where it has always been read from; declared beside `Teacher`. */
export type { TeacherSource };

/**
 * Training data for {@link distill}: a CSV/JSONL path, an array of `{ text, label }` records, or examples that are
 * already tokenized (then `tokenizer` and `labels` must come with them).
 */
export type DataSource = string | readonly ArrayItem[] | PreparedData;

/** Examples tokenized by the caller. `labels[i]` names class id i. */
export interface PreparedData {
  examples: Example[];
  tokenizer: TextTokenizer;
  labels: string[];
}

/** The student: a model, or encoder options (missing sizes default to `encoderPresets.studentSmall`). */
export type StudentSource = tf.LayersModel | (Partial<EncoderOptions> & { initFromTeacher?: boolean });

/** Hooks called by {@link distill}; all optional, all synchronous or async. */
export interface DistillCallbacks {
  /** After every optimizer update. `loss` is only present on logged steps (reading it every step would sync). */
  onStepEnd?: (info: { step: number; epoch: number; lr: number; loss?: number }) => void | Promise<void>;
  onEvalEnd?: (info: { step: number; metrics: EvalMetrics }) => void | Promise<void>;
  onCheckpoint?: (info: { step: number; dir: string }) => void | Promise<void>;
  /** After each optimizer update, before anything else sees the weights (e.g. to re-apply pruning masks). */
  afterUpdate?: (step: number) => void;
}

/**
 * Options of {@link distill}: the teacher, the student, the data and the run directory at the top, every other
 * setting in a named group. Everything but `train` has a default (see `DISTILL_DEFAULTS`).
 */
export interface DistillOptions {
  /**
   * What the student learns from the teacher: `'classification'` (the default) its class probabilities;
   * `'embedding'` its sentence vectors (a teacher's output vectors, or a column of vectors computed elsewhere),
   * with `loss.embedding`'s loss, evaluated by mean cosine, Spearman of pairwise similarities and recall@10.
   */
  task?: DistillTask;
  teacher?: TeacherSource;
  student?: StudentSource;
  train: DataSource;
  /** Held-out data; default: a deterministic, stratified 10% split of `train`. */
  validation?: DataSource;
  /** Run directory; default `tfdistill-run`. */
  out?: string;
  /** Seeds the data split and order, dropout, the student's and projections' initial weights. Default 42. */
  seed?: number;
  data?: DistillDataOptions;
  loss?: DistillLossSettings;
  optimizer?: DistillOptimizerOptions;
  schedule?: DistillScheduleOptions;
  runtime?: DistillRuntimeOptions;
  checkpoints?: DistillCheckpointOptions;
  logging?: DistillLoggingOptions;
}

/**
 * How {@link distill} reads and tokenizes its data, and where the teacher's logits come from (`data`). With a
 * `textPairColumn`, teacher and student read sentence pairs (with type ids).
 */
export interface DistillDataOptions extends ColumnOptions {
  onBadRow?: BadRowPolicy;
  /** Fraction held out when `validation` is not given. Default 0.1; 0 disables evaluation. */
  validationFraction?: number;
  /** Token sequences are truncated to this. Default 128 (or the teacher's maxLength when smaller). */
  maxLength?: number;
  /** Vocabulary size of the WordPiece tokenizer trained when neither the teacher nor `tokenizer` brings one. */
  vocabSize?: number;
  /**
   * The teacher's tokenizer (a tokenizer.json path, a Hugging Face tokenizer folder, or a tokenizer), for a teacher
   * that brings none (a TF.js model.json, a bare .onnx file); default: the teacher's own.
   */
  tokenizer?: string | TextTokenizer;
  /**
   * The student's tokenizer: `'teacher'` reuses the teacher's file; `'train'` trains a WordPiece tokenizer of
   * `vocabSize` tokens on the training text (the teacher then still reads its own tokenization of every row);
   * or a path / tokenizer. Default: `'teacher'` for a tfdistill checkpoint teacher, `'train'` for an ONNX teacher
   * (whose vocabulary would make the student's embedding table larger than the rest of it).
   */
  studentTokenizer?: 'teacher' | 'train' | string | TextTokenizer;
  /**
   * A teacher cache file of the whole `train` file from `cacheTeacherOutputs` / `tfdistill cache-teacher` (e.g. merged
   * from shards computed on several machines): its logits replace running the teacher on the training rows.
   */
  teacherCache?: string;
  /** Run the teacher once over the training data and reuse its logits: 'auto' = when epochs > 1. Default 'auto'. */
  cacheTeacher?: boolean | 'auto';
  /** How the teacher cache stores logits or vectors: float32 (the default), or float16 for half the file. */
  teacherCacheDtype?: 'float32' | 'float16';
  /**
   * With `task: 'embedding'`: for an ONNX teacher, which output holds its vectors, how token states are pooled and
   * whether vectors are L2-normalised (match the model card; see `OnnxEmbeddingOptions`); for any teacher, `pca`.
   */
  teacherEmbedding?: TeacherEmbeddingOptions;
}

/**
 * How the teacher's sentence vectors become the student's targets (`data.teacherEmbedding`).
 *
 * @example
 * ```ts
 * await distill({ task: 'embedding', teacher: 'minilm-onnx/', train: 'texts.csv', data: { teacherEmbedding: { pca: 128 } } });
 * ```
 */
export interface TeacherEmbeddingOptions extends OnnxEmbeddingOptions {
  /**
   * Targets in the space of the teacher vectors' top `pca` principal components, fitted on the training rows' vectors
   * (for a student narrower than its teacher, as sentence-transformers reduces dimensions). The student outputs that
   * width; the PCA is saved as `embedding-pca.json` in the checkpoint, to bring teacher vectors into the same space.
   * Needs the teacher's vectors up front (a vectors column, or the teacher cache, which it turns on).
   */
  pca?: number;
}

/** What the student learns (`DistillOptions.task`). */
export type DistillTask = 'classification' | 'embedding';

/** What {@link distill} minimizes (`loss`). */
export interface DistillLossSettings {
  /** With `task: 'embedding'`: MSE (the default) or cosine to the teacher's vectors, plus an in-batch contrastive term. */
  embedding?: EmbeddingLossOptions;
  /** Softmax temperature T of the soft targets, or a schedule of it. Default 4. */
  temperature?: ValueSchedule;
  /** Weight of the soft (KL) term; 1 - alpha weighs the label term. Default 0.7; 0 trains on labels alone. */
  alpha?: ValueSchedule;
  /** Label smoothing of the hard (label) term. Default 0. */
  labelSmoothing?: number;
  /** Hidden-state / attention losses; needs encoders built with `outputs: ['hidden', 'attention']`. */
  intermediate?: IntermediateSpec[];
}

/** The AdamW optimizer and its gradients (`optimizer`). */
export interface DistillOptimizerOptions {
  name?: 'adamw';
  /** Peak learning rate (after warmup). Default 5e-4. */
  learningRate?: number;
  /** Decoupled weight decay. Default 0.01. */
  weightDecay?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Clip gradients to this global L2 norm; 0 disables. Default 1. */
  clipGlobalNorm?: number;
  /** Micro-batches per optimizer update; the update equals the larger batch's. Default 1. */
  gradientAccumulation?: number;
}

/** How long the run trains, in what steps, and when it evaluates and stops (`schedule`). */
export interface DistillScheduleOptions {
  /** Default 3. */
  epochs?: number;
  /** Stop after this many optimizer updates (overrides `epochs` when smaller). */
  maxSteps?: number;
  /** Examples per micro-batch. Default 32. */
  batchSize?: number;
  /** Learning-rate warmup in optimizer updates; default 6% of the run's updates. */
  warmupSteps?: number;
  /** Learning-rate decay after warmup. Default `'linear'` (to 0). */
  decay?: LrDecay;
  /** Evaluate every N updates; default once per epoch. */
  evalEvery?: number;
  /** Stop after `patience` evaluations without a new best `metric` (the same metric as `bestMetric`). */
  earlyStopping?: { metric?: EvalMetricName; patience: number };
  /** Metric that picks the best checkpoint; default `earlyStopping.metric`, else `accuracy` with labels, else `agreement`. */
  bestMetric?: EvalMetricName;
}

/** Where and how the computation runs (`runtime`). */
export interface DistillRuntimeOptions {
  /** Default `'auto'` (tfjs-node-gpu > tfjs-node > wasm > cpu). */
  backend?: BackendName;
  /** wasm only: matmul threads, 1-8 (see `UseBackendOptions.wasmThreads`). Default 1. */
  threads?: number;
  /**
   * Data parallelism on this machine (wasm and cpu backends): this thread plus `replicas - 1` worker threads, each
   * with its own copy of the student (and of a layers teacher), compute the gradients of their share of every batch
   * and of the teacher cache; one optimizer applies the averaged gradients (see `ReplicaPool`). The wasm backend runs
   * its elementwise kernels on one core, so this is what uses the others: ~1.6x per step on 2 cores. `'auto'` = one
   * replica per core, at most 4. Ignored (with a note) on the tfjs-node backends, which use every core already.
   * Each replica holds its own copy of the models and activations. Results are reproducible for a given count. Default
   * `'auto'`, as PyTorch uses every core by default; `1` keeps training on one core.
   */
  replicas?: number | 'auto';
  /** Default `'float32'`; the mixed precisions emulate half-precision compute with dynamic loss scaling. */
  precision?: 'float32' | 'mixed-float16' | 'mixed-bfloat16';
  /** ONNX Runtime intra-op threads for an ONNX teacher. Default: the machine's cores. */
  teacherThreads?: number;
  /** Listen to SIGINT/SIGTERM to stop gracefully with a checkpoint. Default true. */
  handleSignals?: boolean;
}

/** Step checkpoints in `out/checkpoints`, resuming, and the exported model (`checkpoints`). */
export interface DistillCheckpointOptions {
  /** Checkpoint every N updates; default: at every evaluation. */
  every?: number;
  /** Step checkpoints kept besides the best. Default 2. */
  keep?: number;
  /** Continue from the latest checkpoint in `out/checkpoints` when there is one. Default false. */
  resume?: boolean;
  /** Replace an existing run directory. Default false (then an existing run is an error unless resuming). */
  force?: boolean;
  /** Folder inside `out` the trained model is exported to. Default `student` (`train-teacher` uses `teacher`). */
  exportDir?: string;
}

/** What {@link distill} reports while it runs (`logging`). */
export interface DistillLoggingOptions {
  /** Read and log the loss every N updates. Default 10. */
  logEvery?: number;
  /** Progress output (a bar on a TTY, lines otherwise); `false` silences it. Default `process.stderr`. */
  progress?: ProgressStream | false;
  callbacks?: DistillCallbacks;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** Names of the evaluation metrics usable for best-checkpoint selection and early stopping. */
export type EvalMetricName = 'accuracy' | 'agreement' | 'macroF1' | 'klTeacherStudent' | 'meanCosine' | 'spearman' | 'recallAt10';

/** What {@link distill} returns. */
export interface DistillResult {
  /** One entry per evaluation. */
  history: Array<{ step: number; epoch: number; metrics: EvalMetrics }>;
  best?: { step: number; metrics: EvalMetrics };
  /** The exported student checkpoint (`out/student`): the best weights when there was a validation set. */
  checkpointDir: string;
  /** The trained student (best weights restored when there was a validation set); the caller disposes it. */
  student: tf.LayersModel;
  tokenizer: TextTokenizer;
  labels: string[];
  /** Optimizer updates done (over the whole run, including before a resume). */
  steps: number;
  stoppedEarly: boolean;
  interrupted: boolean;
  throughput: { samplesPerSec: number; tokensPerSec: number; seconds: number; backend: string };
}
