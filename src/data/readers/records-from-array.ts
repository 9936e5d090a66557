/**
 * In-memory data (`[{ text, label }]` from a user's own code) validated exactly like a file, so the rest of
 * tfdistill can trust every record regardless of where it came from.
 */
import { require_, TfdistillError } from '../../errors.js';
import { BadRowLog, type BadRowPolicy } from './bad-rows.js';
import { buildLabelMap } from '../labels.js';
import type { LoadedRecords } from './read-records.js';
import { RowValidator, type RowSchema } from './row-schema.js';
import type { TextRecord } from '../types.js';

/** One in-memory item. `label` may be a class name or an integer id; `textPair` and `teacherLogits` are optional. */
export interface ArrayItem {
  text: string;
  /** Second text of a sentence pair: every item has one, or none does. */
  textPair?: string;
  label?: string | number;
  teacherLogits?: readonly number[];
}

/** Options for {@link recordsFromArray}. */
export interface ArrayRecordOptions {
  /** Whether every item must carry a label. Default: true if the first item has one. */
  labeled?: boolean;
  /** Known class names; an item with any other label is bad. */
  labelMap?: readonly string[];
  /** `'error'` (default) throws at the first bad item; `'skip'` counts and skips bad items. */
  onBadRow?: BadRowPolicy;
}

/**
 * Validates in-memory items like rows of a file (empty text, bad labels, inconsistent logits) and returns the
 * same shape as `loadRecords`. `line` of each record and bad row is the 1-based item number.
 *
 * @example
 * ```ts
 * const { records, labelSet } = recordsFromArray([
 *   { text: 'win a prize now', label: 'spam' },
 *   { text: 'lunch at noon?', label: 'ham' },
 * ]);
 * // labelSet: ['ham', 'spam']
 * ```
 */
export function recordsFromArray(items: readonly ArrayItem[], options: ArrayRecordOptions = {}): LoadedRecords {
  require_(Array.isArray(items), 'recordsFromArray expects an array of { text, label } objects');
  const first = items[0] as ArrayItem | undefined;
  const labeled = options.labeled ?? (first !== undefined && typeof first === 'object' && first?.label !== undefined);
  const logits = first !== undefined && typeof first === 'object' && first?.teacherLogits !== undefined;
  const pairs = first !== undefined && typeof first === 'object' && first?.textPair !== undefined;
  const schema: RowSchema = {
    text: 'text',
    ...(pairs ? { textPair: 'textPair' } : {}),
    label: labeled ? 'label' : null,
    logitsJson: logits ? 'teacherLogits' : undefined,
    logitColumns: [],
  };
  const validator = new RowValidator(schema, options);
  const log = new BadRowLog({ policy: options.onBadRow ?? 'error', source: 'records', unit: 'item' });
  const records: TextRecord[] = [];
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) {
      log.add({ line: i + 1, reason: `expected an object with a text field, got ${JSON.stringify(item)}` });
      return;
    }
    const parsed = validator.validate((column) => (item as unknown as Record<string, unknown>)[column]);
    if ('error' in parsed) log.add({ line: i + 1, reason: parsed.error });
    else records.push({ ...parsed.value, line: i + 1 });
  });
  if (records.length === 0) {
    throw new TfdistillError('DATA_INVALID', `no usable records (${items.length} given, ${log.describe()})`);
  }
  return { records, badRows: log.report(), labelSet: options.labelMap ? [...options.labelMap] : buildLabelMap(records) };
}
