import type { BackendName } from '../backend/backend-info.js';
import type { TextTokenizer } from '../data/types.js';
import { DEFAULT_ALPHA, DEFAULT_TEMPERATURE } from '../losses/distillation-loss.js';
import type { EmbeddingLossOptions } from '../losses/embedding.js';
import type { IntermediateSpec } from '../losses/intermediate-spec.js';
import type { ValueSchedule } from '../losses/schedule.js';
import { STUDENT_DIR } from './distill-finish.js';
import type {
  DataSource,
  DistillCallbacks,
  DistillDataOptions,
  DistillOptions,
  DistillTask,
  EvalMetricName,
  StudentSource,
  TeacherSource,
} from './distill-options.js';
import type { LrDecay, LrScheduleOptions } from './lr-schedule.js';
import type { ProgressStream } from './progress.js';

/**
 * Every default of {@link DistillOptions}, in one place (the CLI shows them in its help). Defaults that depend on the
 * run (warmup steps, evaluation interval, max length, best metric, student tokenizer) are computed by the functions
 * below from these.
 *
 * @example
 * ```ts
 * const epochs = options.schedule?.epochs ?? DISTILL_DEFAULTS.schedule.epochs; // 3
 * ```
 */
export const DISTILL_DEFAULTS = {
  out: 'tfdistill-run',
  seed: 42,
  task: 'classification',
  data: {
    /** Held out of `train` when `validation` is not given. */
    validationFraction: 0.1,
    /** Tokens per example, or the teacher's maxLength when smaller. */
    maxLength: 128,
    cacheTeacher: 'auto',
  },
  loss: {
    temperature: DEFAULT_TEMPERATURE,
    alpha: DEFAULT_ALPHA,
    labelSmoothing: 0,
    embedding: { kind: 'mse', contrastive: 0, contrastiveTemperature: 0.05 },
  },
  optimizer: { learningRate: 5e-4, weightDecay: 0.01, clipGlobalNorm: 1, gradientAccumulation: 1 },
  schedule: {
    epochs: 3,
    batchSize: 32,
    /** Warmup takes this fraction of the run's optimizer updates when `warmupSteps` is not given (BERT's 6%). */
    warmupFraction: 0.06,
    decay: 'linear',
  },
  runtime: { backend: 'auto', replicas: 'auto', precision: 'float32', handleSignals: true },
  checkpoints: { keep: 2, resume: false, force: false, exportDir: STUDENT_DIR },
  logging: { logEvery: 10 },
} as const;

/**
 * {@link DistillOptions} with every default filled in, resolved once by {@link resolveDistillConfig}. The only fields
 * left optional are those whose default depends on the run (see {@link planTraining}, {@link bestMetricFor},
 * {@link maxLengthFor}, {@link studentTokenizerFor}) or belongs to another module (AdamW's betas and epsilon, the
 * trained tokenizer's vocabulary size, ONNX Runtime's threads).
 */
export interface DistillConfig {
  readonly teacher?: TeacherSource;
  readonly student?: StudentSource;
  readonly train: DataSource;
  readonly validation?: DataSource;
  /** The run directory as given (messages repeat it); the run resolves it against the working directory. */
  readonly out: string;
  readonly seed: number;
  readonly task: DistillTask;
  readonly data: Readonly<
    Omit<DistillDataOptions, 'validationFraction' | 'cacheTeacher'> & { validationFraction: number; cacheTeacher: boolean | 'auto' }
  >;
  readonly loss: Readonly<{
    temperature: ValueSchedule;
    alpha: ValueSchedule;
    labelSmoothing: number;
    intermediate: readonly IntermediateSpec[];
    embedding: Readonly<Required<EmbeddingLossOptions>>;
  }>;
  readonly optimizer: Readonly<{
    learningRate: number;
    weightDecay: number;
    beta1?: number;
    beta2?: number;
    epsilon?: number;
    /** 0: no clipping. */
    clipGlobalNorm: number;
    gradientAccumulation: number;
  }>;
  readonly schedule: Readonly<{
    epochs: number;
    /** Infinity when not given. */
    maxSteps: number;
    batchSize: number;
    warmupSteps?: number;
    decay: LrDecay;
    evalEvery?: number;
    earlyStopping?: Readonly<{ metric?: EvalMetricName; patience: number }>;
    /** `bestMetric`, else `earlyStopping.metric` (validated to agree when both are given). */
    bestMetric?: EvalMetricName;
  }>;
  readonly runtime: Readonly<{
    backend: BackendName;
    threads?: number;
    replicas: number | 'auto';
    precision: 'float32' | 'mixed-float16' | 'mixed-bfloat16';
    teacherThreads?: number;
    handleSignals: boolean;
  }>;
  readonly checkpoints: Readonly<{ every?: number; keep: number; resume: boolean; force: boolean; exportDir: string }>;
  readonly logging: Readonly<{
    logEvery: number;
    /** A stream that drops everything when progress is off. */
    progress: ProgressStream;
    callbacks: DistillCallbacks;
    now: () => number;
  }>;
}

const silent: ProgressStream = { write: () => true };

/**
 * Fills in every default of `options` (run {@link validateDistillOptions} first: this trusts the values).
 *
 * @example
 * ```ts
 * const config = resolveDistillConfig({ train: 'train.csv' });
 * config.schedule.batchSize; // 32
 * ```
 */
export function resolveDistillConfig(o: DistillOptions): DistillConfig {
  const d = DISTILL_DEFAULTS;
  const { data = {}, loss = {}, optimizer = {}, schedule = {}, runtime = {}, checkpoints = {}, logging = {} } = o;
  return {
    teacher: o.teacher,
    student: o.student,
    train: o.train,
    validation: o.validation,
    out: o.out ?? d.out,
    seed: o.seed ?? d.seed,
    task: o.task ?? d.task,
    data: {
      ...data,
      validationFraction: data.validationFraction ?? d.data.validationFraction,
      cacheTeacher: data.cacheTeacher ?? d.data.cacheTeacher,
    },
    loss: {
      temperature: loss.temperature ?? d.loss.temperature,
      alpha: loss.alpha ?? d.loss.alpha,
      labelSmoothing: loss.labelSmoothing ?? d.loss.labelSmoothing,
      intermediate: loss.intermediate ?? [],
      embedding: {
        kind: loss.embedding?.kind ?? d.loss.embedding.kind,
        contrastive: loss.embedding?.contrastive ?? d.loss.embedding.contrastive,
        contrastiveTemperature: loss.embedding?.contrastiveTemperature ?? d.loss.embedding.contrastiveTemperature,
      },
    },
    optimizer: {
      ...optimizer,
      learningRate: optimizer.learningRate ?? d.optimizer.learningRate,
      weightDecay: optimizer.weightDecay ?? d.optimizer.weightDecay,
      clipGlobalNorm: optimizer.clipGlobalNorm ?? d.optimizer.clipGlobalNorm,
      gradientAccumulation: optimizer.gradientAccumulation ?? d.optimizer.gradientAccumulation,
    },
    schedule: {
      ...schedule,
      epochs: schedule.epochs ?? d.schedule.epochs,
      maxSteps: schedule.maxSteps ?? Infinity,
      batchSize: schedule.batchSize ?? d.schedule.batchSize,
      decay: schedule.decay ?? d.schedule.decay,
      bestMetric: schedule.bestMetric ?? schedule.earlyStopping?.metric,
    },
    runtime: {
      ...runtime,
      backend: runtime.backend ?? d.runtime.backend,
      replicas: runtime.replicas ?? d.runtime.replicas,
      precision: runtime.precision ?? d.runtime.precision,
      handleSignals: runtime.handleSignals ?? d.runtime.handleSignals,
    },
    checkpoints: {
      ...checkpoints,
      keep: checkpoints.keep ?? d.checkpoints.keep,
      resume: checkpoints.resume ?? d.checkpoints.resume,
      force: checkpoints.force ?? d.checkpoints.force,
      exportDir: checkpoints.exportDir ?? d.checkpoints.exportDir,
    },
    logging: {
      logEvery: logging.logEvery ?? d.logging.logEvery,
      progress: logging.progress === false ? silent : (logging.progress ?? process.stderr),
      callbacks: logging.callbacks ?? {},
      now: logging.now ?? (() => performance.now()),
    },
  };
}

/** The step counts of a run, known once its training data is batched. */
export interface TrainingPlan {
  /** Optimizer updates per epoch (at least 1). */
  stepsPerEpoch: number;
  /** `epochs` worth of updates, or `maxSteps` when fewer. */
  totalSteps: number;
  evalEvery: number;
  checkpointEvery: number;
  /** The learning-rate schedule over `totalSteps`. */
  lr: LrScheduleOptions;
}

/**
 * The run's step counts from its config and the batches in one epoch: evaluation once per epoch and checkpoints at
 * every evaluation unless set, warmup over the first 6% of updates unless set.
 *
 * @example
 * ```ts
 * planTraining(resolveDistillConfig({ train: 'train.csv' }), 100).totalSteps; // 300 (3 epochs)
 * ```
 */
export function planTraining(config: DistillConfig, batchesPerEpoch: number): TrainingPlan {
  const { schedule, optimizer } = config;
  const stepsPerEpoch = Math.max(1, Math.floor(batchesPerEpoch / optimizer.gradientAccumulation));
  const totalSteps = Math.min(schedule.maxSteps, schedule.epochs * stepsPerEpoch);
  const evalEvery = schedule.evalEvery ?? stepsPerEpoch;
  const warmupSteps = schedule.warmupSteps ?? Math.floor(DISTILL_DEFAULTS.schedule.warmupFraction * totalSteps);
  return {
    stepsPerEpoch,
    totalSteps,
    evalEvery,
    checkpointEvery: config.checkpoints.every ?? evalEvery,
    lr: { base: optimizer.learningRate, warmupSteps, totalSteps, decay: schedule.decay },
  };
}

/**
 * The metric that picks the best checkpoint and drives early stopping: the configured one, else accuracy when the
 * data has labels, else agreement with the teacher.
 *
 * @example
 * ```ts
 * bestMetricFor(config, data.labeled); // 'accuracy'
 * ```
 */
export function bestMetricFor(config: DistillConfig, labeled: boolean): EvalMetricName {
  if (config.task === 'embedding') return config.schedule.bestMetric ?? 'recallAt10';
  return config.schedule.bestMetric ?? (labeled ? 'accuracy' : 'agreement');
}

/**
 * Tokens per example: the given length (`data.maxLength`, `--max-length`), else the default capped at what the
 * teacher reads. `distill()` and `tfdistill cache-teacher` both use it, so a cache matches the run that reads it.
 *
 * @example
 * ```ts
 * maxLengthFor(undefined, 64); // 64
 * ```
 */
export function maxLengthFor(maxLength: number | undefined, teacherMaxLength: number | undefined): number {
  return maxLength ?? Math.min(DISTILL_DEFAULTS.data.maxLength, teacherMaxLength ?? DISTILL_DEFAULTS.data.maxLength);
}

/**
 * The student's tokenizer: the configured one, else a trained WordPiece for an external (ONNX) teacher, whose
 * vocabulary would make the student's embedding table larger than the rest of it, else the teacher's.
 *
 * @example
 * ```ts
 * studentTokenizerFor(config, teacher?.external); // 'train' for an ONNX teacher
 * ```
 */
export function studentTokenizerFor(
  config: DistillConfig,
  externalTeacher: boolean | undefined,
): 'teacher' | 'train' | string | TextTokenizer {
  return config.data.studentTokenizer ?? (externalTeacher ? 'train' : 'teacher');
}

/**
 * Whether the teacher runs once over the training data and its logits are reused: `'auto'` does so when the run has
 * more than one epoch.
 *
 * @example
 * ```ts
 * wantsTeacherCache(resolveDistillConfig({ train: 'train.csv' })); // true (3 epochs)
 * ```
 */
export function wantsTeacherCache(config: DistillConfig): boolean {
  const mode = config.data.cacheTeacher;
  return mode === true || (mode === 'auto' && config.schedule.epochs > 1);
}
