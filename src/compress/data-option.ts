import { TfdistillError } from '../errors.js';
import { loadEvalSet, type EvalSet } from './eval-set.js';
import type { OpenedSource } from './source.js';

/**
 * Evaluation data as the compression functions take it: a tokenized {@link EvalSet}, or a CSV/JSONL path
 * tokenized with the checkpoint's tokenizer.
 */
export type DataOption = EvalSet | string;

/**
 * Resolves a {@link DataOption} against an opened checkpoint.
 *
 * @example
 * ```ts
 * const set = await resolveData('val.csv', source);
 * ```
 */
export async function resolveData(data: DataOption | undefined, source: OpenedSource): Promise<EvalSet | undefined> {
  if (data === undefined || typeof data !== 'string') return data;
  if (!source.tokenizer) {
    throw new TfdistillError(
      'INVALID_ARGUMENT',
      `reading ${data} needs the checkpoint tokenizer, and this model has none (saved without tokenizer.json, or a plain TF.js model)`,
      'leave out the data to compress without evaluating, or pass a tokenized EvalSet (evalSetFromRecords)',
    );
  }
  return loadEvalSet(data, { tokenizer: source.tokenizer, labels: source.labels, maxLength: source.maxLength ?? 512 });
}
