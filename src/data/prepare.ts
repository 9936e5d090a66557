import { require_, TfdistillError } from '../errors.js';
import type { BadRowPolicy, BadRowReport } from './bad-rows.js';
import { labelToId } from './labels.js';
import { loadRecords, type LoadedRecords } from './read-records.js';
import { recordsFromArray, type ArrayItem } from './records-from-array.js';
import { splitRecords } from './split.js';
import type { Example, TextRecord, TextTokenizer } from './types.js';
import { trainWordPiece } from './wordpiece-trainer.js';

/** Options of {@link prepareDatasets}. */
export interface PrepareOptions {
  train: string | readonly ArrayItem[];
  validation?: string | readonly ArrayItem[];
  textColumn?: string;
  labelColumn?: string | null;
  teacherLogitsColumn?: string;
  onBadRow?: BadRowPolicy;
  /** Held out of `train` when `validation` is absent. Default 0.1. */
  validationFraction?: number;
  seed: number;
  maxLength: number;
  /** Use this tokenizer; otherwise a WordPiece vocabulary of `vocabSize` is trained on the training texts. */
  tokenizer?: TextTokenizer;
  vocabSize?: number;
  /** Fixed class names (e.g. the teacher's); default: the sorted labels of the training data. */
  labels?: readonly string[];
}

/** Tokenized train/validation examples plus what produced them. */
export interface PreparedDatasets {
  train: Example[];
  validation: Example[];
  tokenizer: TextTokenizer;
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
  const columns = { textColumn: opts.textColumn, labelColumn: opts.labelColumn,
    teacherLogitsColumn: opts.teacherLogitsColumn, onBadRow: opts.onBadRow };
  const train = await load(opts.train, { ...columns, labelMap: opts.labels });
  require_(train.records.length > 0, 'the training data has no usable rows');
  const labels = opts.labels ? [...opts.labels] : train.labelSet;
  const labeled = train.records.some((r) => r.label !== undefined);
  let trainRecords = train.records;
  let validationRecords: TextRecord[] = [];
  let validationBad: BadRowReport | undefined;
  if (opts.validation !== undefined) {
    const v = await load(opts.validation, { ...columns, labelMap: labels });
    validationRecords = v.records;
    validationBad = v.badRows;
  } else if ((opts.validationFraction ?? 0.1) > 0 && trainRecords.length >= 2) {
    const split = splitRecords(trainRecords, { validationFraction: opts.validationFraction ?? 0.1, seed: opts.seed });
    trainRecords = split.train;
    validationRecords = split.validation;
  }
  const tokenizer = opts.tokenizer ?? trainWordPiece(trainRecords.map((r) => r.text), { vocabSize: opts.vocabSize ?? 8000 });
  const toExamples = (records: readonly TextRecord[]) => records.map((r, index) => toExample(r, index, tokenizer, labels, opts.maxLength));
  const out: PreparedDatasets = {
    train: toExamples(trainRecords),
    validation: toExamples(validationRecords),
    tokenizer,
    labels,
    labeled,
    withTeacherLogits: trainRecords.every((r) => r.teacherLogits !== undefined),
    badRows: { train: train.badRows, validation: validationBad },
    trainedTokenizer: opts.tokenizer === undefined,
  };
  checkTeacherLogitWidth(out.train, labels.length);
  return out;
}

async function load(source: string | readonly ArrayItem[], options: Parameters<typeof loadRecords>[1]): Promise<LoadedRecords> {
  if (typeof source === 'string') return loadRecords(source, options);
  return recordsFromArray(source, {
    labelMap: options?.labelMap, onBadRow: options?.onBadRow,
    labeled: options?.labelColumn === null ? false : undefined,
  });
}

function toExample(r: TextRecord, index: number, tokenizer: TextTokenizer, labels: readonly string[], maxLength: number): Example {
  return {
    ids: tokenizer.encode(r.text, maxLength),
    index,
    label: r.label === undefined ? undefined : labelToId(r.label, labels),
    teacherLogits: r.teacherLogits ? Float32Array.from(r.teacherLogits) : undefined,
  };
}

function checkTeacherLogitWidth(examples: readonly Example[], numClasses: number): void {
  const width = examples.find((e) => e.teacherLogits)?.teacherLogits?.length;
  if (width !== undefined && numClasses > 0 && width !== numClasses) {
    throw new TfdistillError('DATA_INVALID',
      `teacher logits have ${width} values per row but the data has ${numClasses} classes`,
      'the logits must list one value per class, in the sorted order of the class names');
  }
}
