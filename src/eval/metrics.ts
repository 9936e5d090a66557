import { require_, TfdistillError } from '../errors.js';

/**
 * Inputs of {@link evalMetrics}: host arrays, logits flattened row-major `[count, numClasses]`.
 *
 * @example
 * ```ts
 * const input: EvalMetricsInput = { studentLogits: await s.data(), labels: [0, 1], numClasses: 2 };
 * ```
 */
export interface EvalMetricsInput {
  /** Student logits, `[count * numClasses]` (e.g. from `await logits.data()`). */
  studentLogits: ArrayLike<number>;
  /** Teacher logits, same layout; enables teacher accuracy, agreement and KL. */
  teacherLogits?: ArrayLike<number>;
  /** Gold class ids `[count]`; enables accuracy, teacher accuracy and macro-F1. */
  labels?: ArrayLike<number>;
  /** Classes per row. */
  numClasses: number;
}

/**
 * Evaluation numbers; a metric is absent when its inputs were not given.
 *
 * @example
 * ```ts
 * const m: EvalMetrics = evalMetrics(input); // { count: 2, accuracy: 0.5, macroF1: 0.33 }
 * ```
 */
export interface EvalMetrics {
  /** Rows evaluated. */
  count: number;
  /** Student argmax == label. */
  accuracy?: number;
  /** Teacher argmax == label (the ceiling the student is chasing). */
  teacherAccuracy?: number;
  /** Student argmax == teacher argmax (fidelity to the teacher, needs no labels). */
  agreement?: number;
  /** Mean over rows of KL(teacher ‖ student) of the softmaxes at temperature 1, in nats. */
  klTeacherStudent?: number;
  /** Unweighted mean of per-class F1 over classes present in labels or student predictions (sklearn's default). */
  macroF1?: number;
  /** Embedding task: mean cosine of each text's student and teacher vectors (`embedding-metrics.ts`). */
  meanCosine?: number;
  /** Embedding task: Spearman correlation of the pairwise similarities under student and teacher. */
  spearman?: number;
  /** Embedding task: share of the teacher's 10 nearest neighbours of each text the student finds too. */
  recallAt10?: number;
}

/**
 * Distillation evaluation metrics from host arrays: student accuracy, teacher accuracy, agreement
 * (argmax match rate), mean KL(teacher‖student) at T = 1 and macro-F1. Computed in float64; argmax
 * ties go to the lowest class id, like `tf.argMax`.
 *
 * @example
 * ```ts
 * const m = evalMetrics({
 *   studentLogits: await s.data(), teacherLogits: await t.data(), labels: batchLabels, numClasses: 2,
 * });
 * console.log(m.accuracy, m.agreement, m.klTeacherStudent);
 * ```
 */
export function evalMetrics(input: EvalMetricsInput): EvalMetrics {
  const { studentLogits, teacherLogits, labels, numClasses } = input;
  require_(Number.isInteger(numClasses) && numClasses >= 1, `evalMetrics: numClasses must be an integer >= 1, got ${numClasses}`);
  if (studentLogits.length % numClasses !== 0) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `evalMetrics: ${studentLogits.length} student logits is not a multiple of numClasses ${numClasses}`,
    );
  }
  const count = studentLogits.length / numClasses;
  if (teacherLogits && teacherLogits.length !== studentLogits.length) {
    throw new TfdistillError(
      'SHAPE_MISMATCH',
      `evalMetrics: ${teacherLogits.length} teacher logits vs ${studentLogits.length} student logits`,
    );
  }
  if (labels && labels.length !== count) {
    throw new TfdistillError('SHAPE_MISMATCH', `evalMetrics: ${labels.length} labels for ${count} rows`);
  }
  if (labels) {
    for (let i = 0; i < count; i++) {
      const y = labels[i];
      if (!(Number.isInteger(y) && y >= 0 && y < numClasses)) {
        throw new TfdistillError('DATA_INVALID', `evalMetrics: label ${y} at row ${i} is not a class id in [0, ${numClasses})`);
      }
    }
  }
  const out: EvalMetrics = { count };
  if (count === 0) return out;

  const studentPred = argmaxRows(studentLogits, count, numClasses);
  const teacherPred = teacherLogits ? argmaxRows(teacherLogits, count, numClasses) : undefined;
  if (labels) {
    out.accuracy = matchRate(studentPred, labels);
    if (teacherPred) out.teacherAccuracy = matchRate(teacherPred, labels);
    out.macroF1 = macroF1(studentPred, labels, numClasses);
  }
  if (teacherLogits && teacherPred) {
    out.agreement = matchRate(studentPred, teacherPred);
    out.klTeacherStudent = meanKl(teacherLogits, studentLogits, count, numClasses);
  }
  return out;
}

function argmaxRows(logits: ArrayLike<number>, count: number, k: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[i * k + c] > logits[i * k + best]) best = c;
    out[i] = best;
  }
  return out;
}

function matchRate(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** log-softmax of row `i` in float64, max-shifted so large logits cannot overflow exp. */
function logSoftmaxRow(logits: ArrayLike<number>, i: number, k: number): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) max = Math.max(max, logits[i * k + c]);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(logits[i * k + c] - max);
  const logZ = max + Math.log(sum);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) out[c] = logits[i * k + c] - logZ;
  return out;
}

function meanKl(teacher: ArrayLike<number>, student: ArrayLike<number>, count: number, k: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const lt = logSoftmaxRow(teacher, i, k);
    const ls = logSoftmaxRow(student, i, k);
    for (let c = 0; c < k; c++) {
      const p = Math.exp(lt[c]);
      if (p > 0) total += p * (lt[c] - ls[c]); // 0·log 0 = 0
    }
  }
  return total / count;
}

function macroF1(pred: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  const tp = new Float64Array(k),
    fp = new Float64Array(k),
    fn = new Float64Array(k);
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === labels[i]) tp[pred[i]]++;
    else {
      fp[pred[i]]++;
      fn[labels[i]]++;
    }
  }
  let sum = 0,
    classes = 0;
  for (let c = 0; c < k; c++) {
    const denom = 2 * tp[c] + fp[c] + fn[c];
    if (denom === 0) continue; // neither predicted nor present: not part of the average
    sum += (2 * tp[c]) / denom;
    classes++;
  }
  return sum / classes;
}
