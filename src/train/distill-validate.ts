import { require_ } from '../errors.js';
import type { DistillOptions, EvalMetricName } from './distill-options.js';

const EVAL_METRICS: readonly EvalMetricName[] = ['accuracy', 'agreement', 'macroF1', 'klTeacherStudent'];
const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;

/**
 * Checks the numeric options of `distill` up front, so a typo fails in the first second with a message naming the
 * option, never at step 10,000.
 *
 * @example
 * ```ts
 * validateDistillOptions({ train: 'train.csv', epochs: 0 }); // throws: epochs must be a positive integer
 * ```
 */
export function validateDistillOptions(o: DistillOptions): void {
  require_(o && o.train !== undefined, 'distill needs train data (a CSV/JSONL path, an array of { text, label }, or prepared examples)');
  for (const key of ['epochs', 'maxSteps', 'batchSize', 'gradientAccumulation', 'evalEvery', 'checkpointEvery', 'logEvery', 'keepCheckpoints',
    'teacherThreads'] as const) {
    if (o[key] !== undefined) require_(positiveInt(o[key]), `${key} must be a positive integer, got ${String(o[key])}`);
  }
  if (o.replicas !== undefined && o.replicas !== 'auto') {
    require_(Number.isInteger(o.replicas) && o.replicas >= 1 && o.replicas <= 16, `replicas must be an integer in [1, 16] or 'auto', got ${String(o.replicas)}`);
  }
  const lr = o.optimizer?.learningRate;
  if (lr !== undefined) require_(Number.isFinite(lr) && lr > 0, `optimizer.learningRate must be > 0, got ${lr}`);
  const wd = o.optimizer?.weightDecay;
  if (wd !== undefined) require_(Number.isFinite(wd) && wd >= 0, `optimizer.weightDecay must be >= 0, got ${wd}`);
  if (o.clipGlobalNorm !== undefined) require_(Number.isFinite(o.clipGlobalNorm) && o.clipGlobalNorm >= 0, `clipGlobalNorm must be >= 0, got ${o.clipGlobalNorm}`);
  if (o.seed !== undefined) require_(Number.isInteger(o.seed), `seed must be an integer, got ${o.seed}`);
  if (o.precision !== undefined) {
    require_(['float32', 'mixed-float16', 'mixed-bfloat16'].includes(o.precision),
      `precision must be float32, mixed-float16 or mixed-bfloat16, got ${o.precision}`);
  }
  const vf = o.data?.validationFraction;
  if (vf !== undefined) require_(Number.isFinite(vf) && vf >= 0 && vf < 1, `data.validationFraction must be in [0, 1), got ${vf}`);
  if (o.data?.maxLength !== undefined) require_(positiveInt(o.data.maxLength), `data.maxLength must be a positive integer, got ${o.data.maxLength}`);
  if (o.earlyStopping) require_(positiveInt(o.earlyStopping.patience), `earlyStopping.patience must be a positive integer`);
  for (const [key, metric] of [['bestMetric', o.bestMetric], ['earlyStopping.metric', o.earlyStopping?.metric]] as const) {
    if (metric !== undefined) {
      require_(EVAL_METRICS.includes(metric), `${key} must be one of ${EVAL_METRICS.join(', ')}, got ${String(metric)}`);
    }
  }
  if (o.bestMetric !== undefined && o.earlyStopping?.metric !== undefined) {
    require_(o.bestMetric === o.earlyStopping.metric,
      `earlyStopping.metric (${o.earlyStopping.metric}) and bestMetric (${o.bestMetric}) must be the same metric`,
      'early stopping counts evaluations since the best checkpoint; give one of them, or the same metric to both');
  }
  if (o.exportDir !== undefined) {
    require_(typeof o.exportDir === 'string' && /^[\w.-]+$/.test(o.exportDir) && !/^\.+$/.test(o.exportDir) && o.exportDir !== 'checkpoints',
      `exportDir must be a plain folder name inside out (not 'checkpoints'), got ${JSON.stringify(o.exportDir)}`);
  }
  const st = o.studentTokenizer;
  require_(typeof st !== 'string' || st.trim() !== '', "studentTokenizer must be 'teacher', 'train', a tokenizer path or a tokenizer");
  if (o.data?.textPairColumn !== undefined) {
    require_(typeof o.data.textPairColumn === 'string' && o.data.textPairColumn !== '', 'data.textPairColumn must be a column name');
  }
  const warm = o.schedule?.warmupSteps;
  if (warm !== undefined) require_(Number.isInteger(warm) && warm >= 0, `schedule.warmupSteps must be an integer >= 0, got ${warm}`);
}
