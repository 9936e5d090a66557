import { require_, TfdistillError } from '../errors.js';
import type { BadRowPolicy, BadRowReport } from './readers/bad-rows.js';
import { labelToId } from './labels.js';
import { loadRecords, type LoadedRecords } from './readers/read-records.js';
import { recordsFromArray, type ArrayItem } from './readers/records-from-array.js';
import { splitRecords } from './split.js';
import { readTeacherCache } from './teacher-cache/read.js';
import type { BatchPadding } from './batching/batch.js';
import type { Example, TextRecord, TextTokenizer, TokenizedText } from './types.js';
import { trainWordPiece } from './tokenizer/wordpiece-trainer.js';

/** Options of {@link prepareDatasets}. */
export interface PrepareOptions {
  train: string | readonly ArrayItem[];
  validation?: string | readonly ArrayItem[];
  textColumn?: string;
  /** Column with the second text of sentence pairs; both tokenizers then encode pairs with their pair templates. */
  textPairColumn?: string;
  labelColumn?: string | null;
  teacherLogitsColumn?: string;
  onBadRow?: BadRowPolicy;
  /** Held out of `train` when `validation` is absent. Default 0.1. */
  validationFraction?: number;
  seed: number;
  maxLength: number;
  /** Use this tokenizer; otherwise a WordPiece vocabulary of `vocabSize` is trained on the training texts. */
  tokenizer?: TextTokenizer;
  /**
   * The teacher's own tokenizer, when it differs from the student's: examples then also carry the teacher's
   * tokenization of the same text (`Example.teacherInput`).
   */
  teacherTokenizer?: TextTokenizer;
  vocabSize?: number;
  /** Fixed class names (e.g. the teacher's); default: the sorted labels of the training data. */
  labels?: readonly string[];
  /**
   * A teacher cache written by `cacheTeacherOutputs` / `tfdistill cache-teacher` over the whole `train` file (row i of
   * the file = example index i); its logits are attached before the validation split.
   */
  teacherCache?: { file: string; teacherId?: string };
}

/** Tokenized train/validation examples plus what produced them. */
export interface PreparedDatasets {
  train: Example[];
  validation: Example[];
  tokenizer: TextTokenizer;
  /** The pad ids batches of these examples are padded with (student's, and teacher's when it has its own ids). */
  padding: BatchPadding;
  /** Whether the examples are sentence pairs. */
  pairs: boolean;
  labels: string[];
  /** Whether the examples carry labels / teacher logits. */
  labeled: boolean;
  withTeacherLogits: boolean;
  badRows: { train: BadRowReport; validation?: BadRowReport };
  /** True when the tokenizer was trained here (it must then be saved with the student). */
  trainedTokenizer: boolean;
}

/**
 * Loads, validates, splits and tokenizes the data for a distillation run: records from a CSV/JSONL path or an array,
 * labels mapped to ids (class names sorted, or the teacher's), an optional teacher-logits column, a deterministic
 * stratified validation split when no validation set is given, and a WordPiece tokenizer trained on the training
 * texts when none is supplied.
 *
 * @example
 * ```ts
 * const data = await prepareDatasets({ train: 'train.csv', seed: 1, maxLength: 128 });
 * data.train[0].ids; // Int32Array of token ids, [CLS] ... [SEP]
 * ```
 */
export async function prepareDatasets(opts: PrepareOptions): Promise<PreparedDatasets> {
  const columns = {
    textColumn: opts.textColumn,
    textPairColumn: opts.textPairColumn,
    labelColumn: opts.labelColumn,
    teacherLogitsColumn: opts.teacherLogitsColumn,
    onBadRow: opts.onBadRow,
  };
  const train = await load(opts.train, { ...columns, labelMap: opts.labels });
  require_(train.records.length > 0, 'the training data has no usable rows');
  const labels = opts.labels ? [...opts.labels] : train.labelSet;
  const labeled = train.records.some((r) => r.label !== undefined);
  if (labeled && labels.length < 2) {
    throw new TfdistillError(
      'DATA_INVALID',
      `the training data has only one class (${labels.join(', ')})`,
      'a classifier needs at least two classes; check the label column',
    );
  }
  const validationGiven = opts.validation !== undefined;
  const fraction = validationGiven ? 0 : (opts.validationFraction ?? 0.1);
  // The tokenizer learns from training rows only, never from the held-out ones.
  const heldOut =
    fraction > 0 && train.records.length >= 2
      ? splitRecords(
          train.records.map((r, i) => ({ label: r.label, i })),
          { validationFraction: fraction, seed: opts.seed },
        )
      : undefined;
  const isValidation = new Set(heldOut?.validation.map((r) => r.i));
  const tokenizer =
    opts.tokenizer ??
    trainWordPiece(
      train.records.filter((_, i) => !isValidation.has(i)).flatMap((r) => (r.textPair === undefined ? [r.text] : [r.text, r.textPair])),
      { vocabSize: opts.vocabSize ?? 8000 },
    );
  const teacherTokenizer = opts.teacherTokenizer === tokenizer ? undefined : opts.teacherTokenizer;
  const tokenizers = { student: tokenizer, teacher: teacherTokenizer };
  // Example index = row position in the file, so caches of the whole file line up with any split.
  const all = train.records.map((r, index) => toExample(r, index, tokenizers, labels, opts.maxLength));
  if (opts.teacherCache) {
    const cache = await readTeacherCache(opts.teacherCache.file, { examples: all, teacherId: opts.teacherCache.teacherId });
    for (const e of all) e.teacherLogits = cache.get(e.index);
  }
  let validation: Example[] = all.filter((e) => isValidation.has(e.index));
  const trainExamples = heldOut ? all.filter((e) => !isValidation.has(e.index)) : all;
  let validationBad: BadRowReport | undefined;
  if (validationGiven) {
    const v = await load(opts.validation!, { ...columns, labelMap: labels });
    validation = v.records.map((r, index) => toExample(r, index, tokenizers, labels, opts.maxLength));
    validationBad = v.badRows;
  }
  const out: PreparedDatasets = {
    train: trainExamples,
    validation,
    tokenizer,
    padding: { padId: tokenizer.padId, ...(teacherTokenizer ? { teacherPadId: teacherTokenizer.padId } : {}) },
    pairs: opts.textPairColumn !== undefined || train.records[0].textPair !== undefined,
    labels,
    labeled,
    withTeacherLogits: trainExamples.every((e) => e.teacherLogits !== undefined),
    badRows: { train: train.badRows, validation: validationBad },
    trainedTokenizer: opts.tokenizer === undefined,
  };
  checkTeacherLogitWidth(out.train, labels.length);
  return out;
}

async function load(source: string | readonly ArrayItem[], options: Parameters<typeof loadRecords>[1]): Promise<LoadedRecords> {
  if (typeof source === 'string') return loadRecords(source, options);
  return recordsFromArray(source, {
    labelMap: options?.labelMap,
    onBadRow: options?.onBadRow,
    labeled: options?.labelColumn === null ? false : undefined,
  });
}

/**
 * One record's tokens: the pair template when the record is a pair, else the single-text template.
 *
 * @example
 * ```ts
 * tokenizeRecord(tok, { text: 'A man sleeps.', textPair: 'A person rests.' }, 128); // { ids, typeIds }
 * ```
 */
export function tokenizeRecord(tokenizer: TextTokenizer, r: Pick<TextRecord, 'text' | 'textPair'>, maxLength: number): TokenizedText {
  return r.textPair === undefined ? { ids: tokenizer.encode(r.text, maxLength) } : tokenizer.encodePair(r.text, r.textPair, maxLength);
}

function toExample(
  r: TextRecord,
  index: number,
  tok: { student: TextTokenizer; teacher?: TextTokenizer },
  labels: readonly string[],
  maxLength: number,
): Example {
  const student = tokenizeRecord(tok.student, r, maxLength);
  return {
    ids: student.ids,
    ...(student.typeIds ? { typeIds: student.typeIds } : {}),
    ...(tok.teacher ? { teacherInput: tokenizeRecord(tok.teacher, r, maxLength) } : {}),
    index,
    label: r.label === undefined ? undefined : labelToId(r.label, labels),
    teacherLogits: r.teacherLogits ? Float32Array.from(r.teacherLogits) : undefined,
  };
}

function checkTeacherLogitWidth(examples: readonly Example[], numClasses: number): void {
  const width = examples.find((e) => e.teacherLogits)?.teacherLogits?.length;
  if (width !== undefined && numClasses > 0 && width !== numClasses) {
    throw new TfdistillError(
      'DATA_INVALID',
      `teacher logits have ${width} values per row but the data has ${numClasses} classes`,
      'the logits must list one value per class, in the sorted order of the class names',
    );
  }
}
