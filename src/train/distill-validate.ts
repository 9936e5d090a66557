import { require_, TfdistillError } from '../errors.js';
import { EMBEDDING_LOSSES } from '../losses/embedding.js';
import type { DistillOptions, EvalMetricName } from './distill-options.js';

const EVAL_METRICS: readonly EvalMetricName[] = [
  'accuracy',
  'agreement',
  'macroF1',
  'klTeacherStudent',
  'meanCosine',
  'spearman',
  'recallAt10',
];
const EMBEDDING_METRICS: readonly EvalMetricName[] = ['meanCosine', 'spearman', 'recallAt10'];
const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;

type Group = 'data' | 'loss' | 'optimizer' | 'schedule' | 'runtime' | 'checkpoints' | 'logging';
/** Every key of T, each once: the compiler checks these lists against the option types. */
type Keys<T> = { readonly [K in keyof Required<T>]: true };

const TOP_LEVEL: Keys<DistillOptions> = {
  task: true,
  teacher: true,
  student: true,
  train: true,
  validation: true,
  out: true,
  seed: true,
  data: true,
  loss: true,
  optimizer: true,
  schedule: true,
  runtime: true,
  checkpoints: true,
  logging: true,
};
const GROUPS: { readonly [G in Group]: Keys<NonNullable<DistillOptions[G]>> } = {
  data: {
    textColumn: true,
    textPairColumn: true,
    labelColumn: true,
    teacherLogitsColumn: true,
    onBadRow: true,
    validationFraction: true,
    maxLength: true,
    vocabSize: true,
    tokenizer: true,
    studentTokenizer: true,
    teacherCache: true,
    cacheTeacher: true,
    teacherCacheDtype: true,
    teacherEmbedding: true,
  },
  loss: { temperature: true, alpha: true, labelSmoothing: true, intermediate: true, embedding: true },
  optimizer: {
    name: true,
    learningRate: true,
    weightDecay: true,
    beta1: true,
    beta2: true,
    epsilon: true,
    clipGlobalNorm: true,
    gradientAccumulation: true,
  },
  schedule: {
    epochs: true,
    maxSteps: true,
    batchSize: true,
    warmupSteps: true,
    decay: true,
    evalEvery: true,
    earlyStopping: true,
    bestMetric: true,
  },
  runtime: { backend: true, threads: true, replicas: true, precision: true, teacherThreads: true, handleSignals: true },
  checkpoints: { every: true, keep: true, resume: true, force: true, exportDir: true },
  logging: { logEvery: true, progress: true, callbacks: true, now: true },
};
/** Top-level options of 0.1 that a group holds under another name. */
const RENAMED: Readonly<Record<string, string>> = { checkpointEvery: 'checkpoints.every', keepCheckpoints: 'checkpoints.keep' };

/**
 * Checks the options of `distill` up front, so a typo fails in the first second with a message naming the option by
 * its path (`schedule.batchSize`), never at step 10,000. An unknown key is an error too; one that moved into a group
 * says where it is now.
 *
 * @example
 * ```ts
 * validateDistillOptions({ train: 'train.csv', schedule: { epochs: 0 } }); // throws: schedule.epochs must be a positive integer
 * ```
 */
export function validateDistillOptions(o: DistillOptions): void {
  require_(o && o.train !== undefined, 'distill needs train data (a CSV/JSONL path, an array of { text, label }, or prepared examples)');
  requireKnownKeys(o);
  const { data = {}, optimizer = {}, schedule = {}, runtime = {}, checkpoints = {}, logging = {} } = o;
  const integers = {
    'schedule.epochs': schedule.epochs,
    'schedule.maxSteps': schedule.maxSteps,
    'schedule.batchSize': schedule.batchSize,
    'optimizer.gradientAccumulation': optimizer.gradientAccumulation,
    'schedule.evalEvery': schedule.evalEvery,
    'checkpoints.every': checkpoints.every,
    'logging.logEvery': logging.logEvery,
    'checkpoints.keep': checkpoints.keep,
    'runtime.teacherThreads': runtime.teacherThreads,
    'data.maxLength': data.maxLength,
  };
  for (const [key, value] of Object.entries(integers)) {
    if (value !== undefined) require_(positiveInt(value), `${key} must be a positive integer, got ${String(value)}`);
  }
  const { replicas } = runtime;
  if (replicas !== undefined && replicas !== 'auto') {
    require_(
      Number.isInteger(replicas) && replicas >= 1 && replicas <= 16,
      `runtime.replicas must be an integer in [1, 16] or 'auto', got ${String(replicas)}`,
    );
  }
  const { learningRate: lr, weightDecay: wd, clipGlobalNorm: clip } = optimizer;
  if (lr !== undefined) require_(Number.isFinite(lr) && lr > 0, `optimizer.learningRate must be > 0, got ${lr}`);
  if (wd !== undefined) require_(Number.isFinite(wd) && wd >= 0, `optimizer.weightDecay must be >= 0, got ${wd}`);
  if (clip !== undefined) require_(Number.isFinite(clip) && clip >= 0, `optimizer.clipGlobalNorm must be >= 0, got ${clip}`);
  if (o.seed !== undefined) require_(Number.isInteger(o.seed), `seed must be an integer, got ${o.seed}`);
  validateTask(o);
  const cacheDtype = data.teacherCacheDtype;
  require_(
    cacheDtype === undefined || cacheDtype === 'float32' || cacheDtype === 'float16',
    `data.teacherCacheDtype must be 'float32' or 'float16', got ${JSON.stringify(cacheDtype)}`,
  );
  if (runtime.precision !== undefined) {
    require_(
      ['float32', 'mixed-float16', 'mixed-bfloat16'].includes(runtime.precision),
      `runtime.precision must be float32, mixed-float16 or mixed-bfloat16, got ${runtime.precision}`,
    );
  }
  const vf = data.validationFraction;
  if (vf !== undefined) require_(Number.isFinite(vf) && vf >= 0 && vf < 1, `data.validationFraction must be in [0, 1), got ${vf}`);
  requireMetrics(schedule);
  const { exportDir } = checkpoints;
  if (exportDir !== undefined) {
    require_(
      typeof exportDir === 'string' && /^[\w.-]+$/.test(exportDir) && !/^\.+$/.test(exportDir) && exportDir !== 'checkpoints',
      `checkpoints.exportDir must be a plain folder name inside out (not 'checkpoints'), got ${JSON.stringify(exportDir)}`,
    );
  }
  const st = data.studentTokenizer;
  require_(typeof st !== 'string' || st.trim() !== '', "data.studentTokenizer must be 'teacher', 'train', a tokenizer path or a tokenizer");
  if (data.textPairColumn !== undefined) {
    require_(typeof data.textPairColumn === 'string' && data.textPairColumn !== '', 'data.textPairColumn must be a column name');
  }
  const warm = schedule.warmupSteps;
  if (warm !== undefined) require_(Number.isInteger(warm) && warm >= 0, `schedule.warmupSteps must be an integer >= 0, got ${warm}`);
}

/** Every key is an option of its level; a group is a plain object. */
function requireKnownKeys(o: DistillOptions): void {
  for (const key of Object.keys(o)) {
    if (Object.hasOwn(TOP_LEVEL, key)) continue;
    const now = Object.hasOwn(RENAMED, key) ? RENAMED[key] : groupHolding(key);
    throw unknownOption(now ? `${key} is ${now} now` : `unknown option '${key}'`);
  }
  for (const group of Object.keys(GROUPS) as Group[]) {
    const value: unknown = o[group];
    if (value === undefined) continue;
    require_(typeof value === 'object' && value !== null && !Array.isArray(value), `${group} must be an object of options`);
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(GROUPS[group], key)) continue;
      const elsewhere = groupHolding(key);
      throw unknownOption(elsewhere ? `${group}.${key} is ${elsewhere}` : `unknown option '${group}.${key}'`);
    }
  }
}

function unknownOption(message: string): TfdistillError {
  return new TfdistillError('INVALID_ARGUMENT', message, 'see DistillOptions; the CHANGELOG lists where each 0.1 option went');
}

/** `group.key` for the group that has an option `key`, if one does. */
function groupHolding(key: string): string | undefined {
  const group = (Object.keys(GROUPS) as Group[]).find((g) => Object.hasOwn(GROUPS[g], key));
  return group && `${group}.${key}`;
}

function requireMetrics(schedule: NonNullable<DistillOptions['schedule']>): void {
  const { earlyStopping, bestMetric } = schedule;
  if (earlyStopping) require_(positiveInt(earlyStopping.patience), 'schedule.earlyStopping.patience must be a positive integer');
  for (const [key, metric] of [
    ['schedule.bestMetric', bestMetric],
    ['schedule.earlyStopping.metric', earlyStopping?.metric],
  ] as const) {
    if (metric !== undefined) {
      require_(EVAL_METRICS.includes(metric), `${key} must be one of ${EVAL_METRICS.join(', ')}, got ${String(metric)}`);
    }
  }
  if (bestMetric !== undefined && earlyStopping?.metric !== undefined) {
    require_(
      bestMetric === earlyStopping.metric,
      `schedule.earlyStopping.metric (${earlyStopping.metric}) and schedule.bestMetric (${bestMetric}) must be the same metric`,
      'early stopping counts evaluations since the best checkpoint; give one of them, or the same metric to both',
    );
  }
}

/** `task` and what goes with it: the embedding loss's settings, and metrics that exist for the task. */
function validateTask(o: DistillOptions): void {
  const task = o.task ?? 'classification';
  require_(task === 'classification' || task === 'embedding', `task must be 'classification' or 'embedding', got ${JSON.stringify(task)}`);
  const e = o.loss?.embedding;
  if (e !== undefined) {
    require_(task === 'embedding', "loss.embedding applies to task 'embedding'");
    require_(
      e.kind === undefined || EMBEDDING_LOSSES.includes(e.kind),
      `loss.embedding.kind must be one of ${EMBEDDING_LOSSES.join(', ')}`,
    );
    require_(
      e.contrastive === undefined || (Number.isFinite(e.contrastive) && e.contrastive >= 0),
      'loss.embedding.contrastive must be >= 0',
    );
    const t = e.contrastiveTemperature;
    require_(t === undefined || (Number.isFinite(t) && t > 0), 'loss.embedding.contrastiveTemperature must be > 0');
  }
  const te = o.data?.teacherEmbedding;
  if (te !== undefined) {
    require_(task === 'embedding', "data.teacherEmbedding applies to task 'embedding'");
    require_(
      te.pooling === undefined || te.pooling === 'mean' || te.pooling === 'cls',
      "data.teacherEmbedding.pooling must be 'mean' or 'cls'",
    );
    require_(
      te.pca === undefined || (Number.isInteger(te.pca) && te.pca >= 1),
      `data.teacherEmbedding.pca must be a positive integer, got ${te.pca}`,
    );
  }
  const metrics = [o.schedule?.bestMetric, o.schedule?.earlyStopping?.metric].filter((m): m is EvalMetricName => m !== undefined);
  for (const m of metrics) {
    require_(
      EMBEDDING_METRICS.includes(m) === (task === 'embedding'),
      `metric '${m}' does not exist for task '${task}'; use one of ${(task === 'embedding' ? EMBEDDING_METRICS : EVAL_METRICS.filter((x) => !EMBEDDING_METRICS.includes(x))).join(', ')}`,
    );
  }
  if (task === 'embedding') {
    require_((o.loss?.intermediate ?? []).length === 0, "task 'embedding' takes no intermediate-layer losses yet");
    require_(
      o.loss?.alpha === undefined && o.loss?.temperature === undefined && o.loss?.labelSmoothing === undefined,
      "task 'embedding' has no soft targets or labels: leave loss.alpha, loss.temperature and loss.labelSmoothing out (use loss.embedding)",
    );
  }
}
