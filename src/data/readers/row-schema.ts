/**
 * Which columns of a table hold the text, the label and the teacher logits, and how one row becomes a
 * {@link TextRecord}. Shared by the CSV reader, the JSONL reader and in-memory arrays, so every source is validated
 * the same way.
 */
import { TfdistillError } from '../../errors.js';
import { describeLabels, parseLabel, type Parsed } from '../labels.js';
import type { TextRecord } from '../types.js';

/** Column names a reader looks for. */
export interface ColumnOptions {
  /** Column holding the input text. Default `'text'`. */
  textColumn?: string;
  /** Column holding the second text of a sentence pair (e.g. `'text_pair'`, `'hypothesis'`). Default: single texts. */
  textPairColumn?: string;
  /** Column holding the class label, or `null` for unlabeled data. Default `'label'`. */
  labelColumn?: string | null;
  /**
   * Column holding teacher logits as a JSON array (`"[1.5, -0.2]"`). Without it, columns named
   * `logit_0 .. logit_{k-1}` are picked up automatically.
   */
  teacherLogitsColumn?: string;
}

/** The resolved columns of one table. */
export interface RowSchema {
  text: string;
  /** Second text of a pair, if the task takes pairs. */
  textPair?: string;
  label: string | null;
  /** Column with a JSON array of logits, if any. */
  logitsJson?: string;
  /** `logit_0 .. logit_{k-1}` columns, in order; empty when absent. */
  logitColumns: string[];
}

const LOGIT_COLUMN = /^logit_(\d+)$/;

/**
 * Checks that the columns named in `options` exist among `columns` (a CSV header, or the keys of the first JSONL
 * object) and detects `logit_k` columns. Throws `TfdistillError('DATA_INVALID')` listing the available columns.
 *
 * @example
 * ```ts
 * resolveSchema(['text', 'label', 'logit_0', 'logit_1'], {}, 'train.csv');
 * // { text: 'text', label: 'label', logitColumns: ['logit_0', 'logit_1'] }
 * ```
 */
export function resolveSchema(columns: readonly string[], options: ColumnOptions, source: string): RowSchema {
  const available = new Set(columns);
  const need = (name: string, option: string, extraHint = ''): void => {
    if (available.has(name)) return;
    throw new TfdistillError(
      'DATA_INVALID',
      `${source} has no '${name}' column; its columns are: ${columns.map((c) => `'${c}'`).join(', ') || '(none)'}`,
      `pass ${option} with the right column name${extraHint}`,
    );
  };
  const text = options.textColumn ?? 'text';
  need(text, 'textColumn');
  const textPair = options.textPairColumn;
  if (textPair !== undefined) need(textPair, 'textPairColumn');
  const pair = textPair !== undefined ? { textPair } : {};
  const label = options.labelColumn === undefined ? 'label' : options.labelColumn;
  if (label !== null) need(label, 'labelColumn', ', or labelColumn: null for unlabeled data');
  if (options.teacherLogitsColumn !== undefined) {
    need(options.teacherLogitsColumn, 'teacherLogitsColumn');
    return { text, ...pair, label, logitsJson: options.teacherLogitsColumn, logitColumns: [] };
  }
  return { text, ...pair, label, logitColumns: detectLogitColumns(columns, source) };
}

/** `logit_0 .. logit_{k-1}` in index order; a gap (`logit_0, logit_2`) is an error rather than a silent misread. */
function detectLogitColumns(columns: readonly string[], source: string): string[] {
  const indices = columns
    .flatMap((c) => {
      const m = LOGIT_COLUMN.exec(c);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
  if (indices.some((k, i) => k !== i)) {
    throw new TfdistillError(
      'DATA_INVALID',
      `${source}: logit columns must be logit_0 .. logit_{k-1} without gaps; found ${indices.map((k) => `logit_${k}`).join(', ')}`,
    );
  }
  return indices.map((k) => `logit_${k}`);
}

/**
 * Turns rows into records under one {@link RowSchema}, remembering the logit count of the first good row so that
 * later rows with a different count are rejected.
 *
 * @example
 * ```ts
 * const v = new RowValidator(resolveSchema(['text', 'label'], {}, 'x.csv'), {});
 * v.validate((c) => ({ text: 'hello', label: 'ham' })[c]); // { value: { text: 'hello', label: 'ham' } }
 * ```
 */
export class RowValidator {
  private logitCount: number | undefined;
  private readonly known: Set<string> | undefined;

  constructor(
    private readonly schema: RowSchema,
    private readonly options: { labelMap?: readonly string[] },
  ) {
    this.known = options.labelMap ? new Set(options.labelMap) : undefined;
  }

  /** Validates one row; `cell(column)` returns `undefined` when the row lacks that column. */
  validate(cell: (column: string) => unknown): Parsed<TextRecord> {
    const { schema } = this;
    const text = cell(schema.text);
    if (text === undefined || text === null) return { error: `missing column '${schema.text}'` };
    if (typeof text !== 'string') return { error: `text must be a string, got ${JSON.stringify(text)}` };
    if (text.trim() === '') return { error: 'empty text' };
    const record: TextRecord = { text };
    if (schema.textPair !== undefined) {
      const pair = cell(schema.textPair);
      if (pair === undefined || pair === null) return { error: `missing column '${schema.textPair}'` };
      if (typeof pair !== 'string') return { error: `${schema.textPair} must be a string, got ${JSON.stringify(pair)}` };
      if (pair.trim() === '') return { error: `empty ${schema.textPair}` };
      record.textPair = pair;
    }

    if (schema.label !== null) {
      const raw = cell(schema.label);
      if (raw === undefined || raw === null) return { error: `missing column '${schema.label}'` };
      const label = parseLabel(raw);
      if ('error' in label) return label;
      if (this.known && !this.known.has(String(label.value))) {
        return { error: `unknown label '${label.value}' (known labels: ${describeLabels(this.options.labelMap!)})` };
      }
      record.label = label.value;
    }

    const logits = this.readLogits(cell);
    if (logits && 'error' in logits) return logits;
    if (logits) {
      if (this.logitCount !== undefined && logits.value.length !== this.logitCount) {
        return { error: `has ${logits.value.length} teacher logits but earlier rows have ${this.logitCount}` };
      }
      this.logitCount = logits.value.length;
      record.teacherLogits = logits.value;
    }
    return { value: record };
  }

  private readLogits(cell: (column: string) => unknown): Parsed<number[]> | undefined {
    const { logitsJson, logitColumns } = this.schema;
    if (logitsJson !== undefined) {
      const raw = cell(logitsJson);
      if (raw === undefined || raw === null) return { error: `missing column '${logitsJson}'` };
      return parseLogitArray(raw);
    }
    if (logitColumns.length === 0) return undefined;
    const values: number[] = [];
    for (const column of logitColumns) {
      const raw = cell(column);
      if (raw === undefined || raw === null) return { error: `missing column '${column}'` };
      const x = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(x)) return { error: `${column} is not a finite number: ${JSON.stringify(raw)}` };
      values.push(x);
    }
    return { value: values };
  }
}

/** A JSON array of finite numbers, given as the array itself (JSONL) or as its JSON text (CSV). */
function parseLogitArray(raw: unknown): Parsed<number[]> {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { error: `teacher logits are not a JSON array: ${JSON.stringify(raw.slice(0, 40))}` };
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    return { error: `teacher logits must be a non-empty array of numbers, got ${JSON.stringify(value)?.slice(0, 40)}` };
  }
  if (!value.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) {
    return { error: `teacher logits contain a non-number: ${JSON.stringify(value).slice(0, 40)}` };
  }
  return { value };
}
