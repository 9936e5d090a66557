import { TfdistillError } from '../errors.js';
import { labelToId } from '../data/labels.js';
import { loadRecords } from '../data/readers/read-records.js';
import type { TextRecord, TextTokenizer } from '../data/types.js';

/**
 * Tokenized, labelled evaluation (or calibration) examples.
 *
 * @example
 * ```ts
 * const set: EvalSet = { ids: [Int32Array.from([5, 9])], labels: [1] };
 * ```
 */
export interface EvalSet {
  /** Token ids per example, unpadded. */
  ids: Int32Array[];
  /** Class id per example; absent for unlabelled data (then only agreement/KL are reported). */
  labels?: number[];
}

/**
 * Tokenizes records with a checkpoint's tokenizer and maps their labels through the checkpoint's labels.
 *
 * @example
 * ```ts
 * const set = evalSetFromRecords(tinyTexts, { tokenizer, labels: ['ham', 'spam'], maxLength: 32 });
 * ```
 */
export function evalSetFromRecords(
  records: readonly Pick<TextRecord, 'text' | 'label'>[],
  opts: { tokenizer: TextTokenizer; labels?: readonly string[]; maxLength: number },
): EvalSet {
  if (records.length === 0) throw new TfdistillError('DATA_INVALID', 'the evaluation data has no rows');
  const ids = records.map((r) => opts.tokenizer.encode(r.text, opts.maxLength));
  const labelled = opts.labels !== undefined && records.every((r) => r.label !== undefined);
  return labelled ? { ids, labels: records.map((r) => labelToId(r.label as string | number, opts.labels as string[])) } : { ids };
}

/**
 * Loads a labelled CSV/JSONL file (`text`, `label` columns) as an {@link EvalSet}.
 *
 * @example
 * ```ts
 * const set = await loadEvalSet('val.csv', { tokenizer, labels, maxLength: 128, limit: 1000 });
 * ```
 */
export async function loadEvalSet(
  file: string,
  opts: { tokenizer: TextTokenizer; labels?: readonly string[]; maxLength: number; limit?: number },
): Promise<EvalSet> {
  const { records } = await loadRecords(file, { onBadRow: 'skip', limit: opts.limit });
  return evalSetFromRecords(records, opts);
}
