/**
 * Per-class numbers a single accuracy hides: precision, recall and F1 per class, the confusion matrix, and expected
 * calibration error. Pure host-side arithmetic in float64 on logits the caller already has.
 */
import { require_, TfdistillError } from '../errors.js';

/**
 * Precision, recall and F1 of one class, and how many gold rows it has.
 */
export interface ClassScores {
  label: string;
  /** Correct predictions of this class / predictions of this class (0 when never predicted). */
  precision: number;
  /** Correct predictions of this class / gold rows of this class (0 when absent from the gold labels). */
  recall: number;
  f1: number;
  /** Gold rows of this class. */
  support: number;
}

/**
 * What {@link classificationReport} returns.
 *
 * @example
 * ```ts
 * const r: ClassificationReport = classificationReport({ logits, labels, classNames: ['ham', 'spam'] });
 * r.confusion[1][0]; // spam rows predicted as ham
 * ```
 */
export interface ClassificationReport {
  perClass: ClassScores[];
  /** `confusion[gold][predicted]` row counts. */
  confusion: number[][];
  /** Expected calibration error of the top-class confidence over equal-width bins (Guo et al. 2017). */
  ece: number;
  /** Bins used for {@link ClassificationReport.ece}. */
  eceBins: number;
}

/**
 * Inputs of {@link classificationReport}.
 *
 * @example
 * ```ts
 * const input: ReportInput = { logits: await l.data(), labels: [0, 1], classNames: ['ham', 'spam'] };
 * ```
 */
export interface ReportInput {
  /** Logits row-major `[count, classes]`. */
  logits: ArrayLike<number>;
  /** Gold class ids `[count]`. */
  labels: ArrayLike<number>;
  /** Class names, index = class id. */
  classNames: readonly string[];
  /** Calibration bins (default 15, as in Guo et al. 2017). */
  eceBins?: number;
}

/**
 * Per-class precision/recall/F1, confusion matrix and ECE. ECE = sum over bins b of |B_b|/n * |acc(B_b) - conf(B_b)|,
 * where rows are binned by their top softmax probability into `eceBins` equal-width bins over (0, 1]. Argmax ties
 * go to the lowest class id, like `tf.argMax`.
 *
 * @example
 * ```ts
 * const r = classificationReport({ logits: [2, 0, 0, 1], labels: [0, 0], classNames: ['ham', 'spam'] });
 * r.perClass[0].recall; // 0.5
 * ```
 */
export function classificationReport(input: ReportInput): ClassificationReport {
  const { logits, labels, classNames } = input;
  const k = classNames.length;
  const eceBins = input.eceBins ?? 15;
  require_(k >= 1, 'classificationReport needs at least one class name');
  require_(Number.isInteger(eceBins) && eceBins >= 1, `eceBins must be a positive integer, got ${eceBins}`);
  const n = labels.length;
  if (logits.length !== n * k) {
    throw new TfdistillError('SHAPE_MISMATCH', `classificationReport: ${logits.length} logits for ${n} rows x ${k} classes`);
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const binCount = new Float64Array(eceBins),
    binCorrect = new Float64Array(eceBins),
    binConf = new Float64Array(eceBins);
  for (let i = 0; i < n; i++) {
    const gold = labels[i];
    if (!(Number.isInteger(gold) && gold >= 0 && gold < k)) {
      throw new TfdistillError('DATA_INVALID', `label ${gold} at row ${i} is not a class id in [0, ${k})`);
    }
    const { argmax, confidence } = topOfSoftmax(logits, i, k);
    confusion[gold][argmax]++;
    // Bins are (b/B, (b+1)/B]; confidence is >= 1/k > 0, so the clamp only matters for exactly 1.
    const bin = Math.min(eceBins - 1, Math.max(0, Math.ceil(confidence * eceBins) - 1));
    binCount[bin]++;
    binConf[bin] += confidence;
    if (argmax === gold) binCorrect[bin]++;
  }
  let ece = 0;
  for (let b = 0; b < eceBins; b++) {
    if (binCount[b] > 0) ece += (binCount[b] / n) * Math.abs(binCorrect[b] / binCount[b] - binConf[b] / binCount[b]);
  }
  const perClass = classNames.map((label, c) => {
    const tp = confusion[c][c];
    const predicted = confusion.reduce((s, row) => s + row[c], 0);
    const support = confusion[c].reduce((s, v) => s + v, 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  return { perClass, confusion, ece, eceBins };
}

/** Argmax of row `i` and its softmax probability, max-shifted so large logits cannot overflow exp. */
function topOfSoftmax(logits: ArrayLike<number>, i: number, k: number): { argmax: number; confidence: number } {
  let argmax = 0;
  for (let c = 1; c < k; c++) if (logits[i * k + c] > logits[i * k + argmax]) argmax = c;
  const max = logits[i * k + argmax];
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(logits[i * k + c] - max);
  return { argmax, confidence: 1 / sum };
}
