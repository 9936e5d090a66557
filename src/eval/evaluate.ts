/**
 * `evaluate`: one call from a model and a labelled dataset to every number `tfdistill eval` prints: accuracy,
 * macro-F1, per-class precision/recall, confusion matrix, calibration, and fidelity to a teacher.
 */
import type { OnnxEmbeddingOptions } from '../models/onnx-session.js';
import { applyPca } from '../data/pca.js';
import { agreementMetrics, embeddingAgreement } from './embedding-metrics.js';
import { TfdistillError } from '../errors.js';
import { loadRecords } from '../data/readers/read-records.js';
import { labelToId } from '../data/labels.js';
import type { Example, TextRecord } from '../data/types.js';
import { evalMetrics } from './metrics.js';
import { classificationReport, type ClassScores } from './classification-report.js';
import { resolveClassifier, type ClassifierSource, type ResolvedClassifier } from './classifier-source.js';
import { resolveEvalTeacher, rowCount, toExamples, type EvalRows, type EvalTeacher } from './eval-teacher.js';
import { predictLogits } from './predict-logits.js';

/**
 * Data to evaluate on: a CSV/JSONL path, parsed text records, or already tokenized examples (labels as class ids).
 */
export type EvalDataset = string | readonly TextRecord[] | readonly Example[];

/**
 * Options for {@link evaluate}.
 */
export interface EvaluateOptions {
  /**
   * Teacher to compare with (agreement, KL): a classifier checkpoint, or a Hugging Face ONNX export folder / `.onnx`
   * file. It reads the data with its own tokenizer.
   */
  teacher?: ClassifierSource;
  /** ONNX Runtime intra-op threads for an ONNX teacher. Default: the machine's cores. */
  teacherThreads?: number;
  /** For an embedding student's ONNX teacher: which output holds its vectors, pooling, normalisation (as in training). */
  teacherEmbedding?: OnnxEmbeddingOptions;
  /** Rows per forward pass (default 32). */
  batchSize?: number;
  /** Columns when `dataset` is a file path (defaults as in `loadRecords`). */
  textColumn?: string;
  /** Column with the second text of sentence pairs (for models trained on pairs). */
  textPairColumn?: string;
  /** The label column (default `label`); an embedding student reads none. */
  labelColumn?: string;
  /** Calibration bins (default 15). */
  eceBins?: number;
}

/**
 * Everything {@link evaluate} measures. Label-based metrics are absent for unlabelled data; teacher metrics are
 * absent without a teacher.
 *
 * @example
 * ```ts
 * const r: EvaluationResult = await evaluate('student/', 'test.csv');
 * console.log(r.accuracy, r.macroF1, r.ece);
 * ```
 */
export interface EvaluationResult {
  count: number;
  labels: string[];
  accuracy?: number;
  macroF1?: number;
  perClass?: ClassScores[];
  /** `confusion[gold][predicted]`. */
  confusion?: number[][];
  /** Expected calibration error over {@link EvaluationResult.eceBins} bins. */
  ece?: number;
  eceBins?: number;
  teacherAccuracy?: number;
  /** Student argmax == teacher argmax. */
  agreement?: number;
  /** Mean KL(teacher ‖ student) at T = 1, nats. */
  klTeacherStudent?: number;
  /** Embedding students: mean cosine of each text's student and teacher vectors (same width). */
  meanCosine?: number;
  /** Embedding students: Spearman correlation of the pairwise similarities under student and teacher. */
  spearman?: number;
  /** Embedding students: share of the teacher's 10 nearest neighbours of each text the student finds too. */
  recallAt10?: number;
}

/**
 * Evaluates a classifier on a labelled dataset, in batches (each inside `tf.tidy`, nothing leaks). A model given
 * by path is loaded and disposed here; a model object stays the caller's.
 *
 * @example
 * ```ts
 * const r = await evaluate('student/', 'data/test.csv', { teacher: 'teacher/', batchSize: 64 });
 * console.log(formatEvaluation(r));
 * ```
 */
export async function evaluate(model: ClassifierSource, dataset: EvalDataset, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const student = await resolveClassifier(model);
  let teacher: EvalTeacher | undefined;
  try {
    if (student.task === 'embedding') return await evaluateEmbedding(student, dataset, options);
    teacher = options.teacher === undefined ? undefined : await resolveEvalTeacher(options.teacher, { threads: options.teacherThreads });
    const data = await loadDataset(dataset, student, options);
    const labels = labelIds(data, student.labels);
    const studentLogits = await predictLogits(student.model, toExamples(data, student), options);
    const teacherLogits = teacher ? await teacher.logits(data, { batchSize: options.batchSize ?? 32 }) : undefined;
    if (teacher && teacherLogits!.length !== studentLogits.length) {
      throw new TfdistillError(
        'SHAPE_MISMATCH',
        `the teacher has ${teacherLogits!.length / rowCount(data)} classes but the student has ${student.labels.length}`,
      );
    }
    const base = evalMetrics({ studentLogits, teacherLogits, labels, numClasses: student.labels.length });
    const result: EvaluationResult = { ...base, labels: student.labels };
    if (labels && labels.length > 0) {
      const report = classificationReport({ logits: studentLogits, labels, classNames: student.labels, eceBins: options.eceBins });
      Object.assign(result, { perClass: report.perClass, confusion: report.confusion, ece: report.ece, eceBins: report.eceBins });
    }
    return result;
  } finally {
    student.release();
    await teacher?.release();
  }
}

/**
 * An embedding student against its teacher on the texts of `dataset` (labels unread): mean cosine, Spearman of
 * pairwise similarities and recall@10. Teacher vectors go through the student's PCA when it was trained on one.
 */
async function evaluateEmbedding(student: ResolvedClassifier, dataset: EvalDataset, options: EvaluateOptions): Promise<EvaluationResult> {
  if (options.teacher === undefined) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      'evaluating an embedding student compares it with its teacher: give the teacher',
      'pass --teacher (the ONNX folder or checkpoint it was distilled from)',
    );
  }
  const teacher = await resolveEvalTeacher(options.teacher, { threads: options.teacherThreads, embedding: options.teacherEmbedding ?? {} });
  try {
    const data = await loadDataset(dataset, student, { ...options, labelColumn: null });
    const n = rowCount(data);
    const studentVectors = await predictLogits(student.model, toExamples(data, student), options);
    let teacherVectors = await teacher.logits(data, { batchSize: options.batchSize ?? 32 });
    const dim = studentVectors.length / n;
    let teacherDim = teacherVectors.length / n;
    if (student.pca && teacherDim === student.pca.dim) {
      teacherVectors = applyPca(student.pca, teacherVectors, n);
      teacherDim = student.pca.k;
    }
    const a = embeddingAgreement({ values: studentVectors, n, dim }, { values: teacherVectors, n, dim: teacherDim });
    return {
      count: n,
      labels: [],
      ...agreementMetrics(a),
    };
  } finally {
    await teacher.release();
  }
}

async function loadDataset(
  dataset: EvalDataset,
  student: ResolvedClassifier,
  options: Omit<EvaluateOptions, 'labelColumn'> & { labelColumn?: string | null },
): Promise<EvalRows> {
  if (typeof dataset === 'string') {
    const { records } = await loadRecords(dataset, {
      textColumn: options.textColumn,
      textPairColumn: options.textPairColumn,
      labelColumn: options.labelColumn,
      labelMap: student.labels,
    });
    return { kind: 'records', records };
  }
  if (dataset.length > 0 && 'ids' in dataset[0]) return { kind: 'examples', examples: dataset as readonly Example[] };
  return { kind: 'records', records: dataset as readonly TextRecord[] };
}

/** Gold ids when every row is labelled, undefined when none is; a partly labelled set is an error. */
function labelIds(data: EvalRows, classNames: readonly string[]): Int32Array | undefined {
  const rows: ReadonlyArray<{ label?: unknown }> = data.kind === 'examples' ? data.examples : data.records;
  const labelled = rows.filter((r) => r.label !== undefined).length;
  if (labelled === 0) return undefined;
  if (labelled !== rows.length) {
    throw new TfdistillError(
      'DATA_INVALID',
      `only ${labelled} of ${rows.length} rows have a label`,
      'evaluate a fully labelled set, or drop the labels to measure teacher agreement only',
    );
  }
  return data.kind === 'examples'
    ? Int32Array.from(data.examples, (e) => e.label!)
    : Int32Array.from(data.records, (r) => labelToId(r.label!, classNames));
}
