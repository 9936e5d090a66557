/**
 * Class labels: rows may carry string class names (`spam`, `ham`) or integer ids (`0`, `1`). A label map is the
 * sorted list of class names; a label's id is its position in that list, so ids never depend on row order.
 */
import { TfdistillError } from '../errors.js';

/** Raw label as a row carries it. Integer-looking strings (`"3"`) are normalised to numbers by {@link parseLabel}. */
export type RawLabel = string | number;

const INTEGER = /^(0|[1-9]\d*)$/;

/** Either a parsed value or the reason a cell could not be parsed (reported as a bad row). */
export type Parsed<T> = { value: T } | { error: string };

/**
 * Normalises a raw cell value to a label: a non-negative integer (also from a string like `"2"`) or a non-empty
 * trimmed string. Anything else comes back as `{ error }` so the reader can report the row.
 *
 * @example
 * ```ts
 * parseLabel('2');     // { value: 2 }
 * parseLabel(' spam'); // { value: 'spam' }
 * parseLabel('');      // { error: 'empty label' }
 * ```
 */
export function parseLabel(cell: unknown): Parsed<RawLabel> {
  if (typeof cell === 'number') {
    return Number.isInteger(cell) && cell >= 0 ? { value: cell } : { error: `label ${cell} is not a non-negative integer` };
  }
  if (typeof cell !== 'string') return { error: `label must be a string or an integer, got ${JSON.stringify(cell)}` };
  const trimmed = cell.trim();
  if (trimmed === '') return { error: 'empty label' };
  return { value: INTEGER.test(trimmed) ? Number(trimmed) : trimmed };
}

/**
 * The label map for `records`: sorted distinct class names, so class ids are deterministic. Integer labels map to
 * `['0', '1', ..., String(max)]`, so an integer label's id is the integer itself. Unlabeled records give `[]`.
 * Throws `TfdistillError('DATA_INVALID')` when integer and string labels are mixed.
 *
 * @example
 * ```ts
 * buildLabelMap([{ text: 'a', label: 'spam' }, { text: 'b', label: 'ham' }]); // ['ham', 'spam']
 * buildLabelMap([{ text: 'a', label: 2 }, { text: 'b', label: 0 }]);          // ['0', '1', '2']
 * ```
 */
export function buildLabelMap(records: Iterable<{ label?: RawLabel }>): string[] {
  const names = new Set<string>();
  let maxInt = -1;
  for (const { label } of records) {
    if (label === undefined) continue;
    if (typeof label === 'number') maxInt = Math.max(maxInt, label);
    else names.add(label);
  }
  if (names.size > 0 && maxInt >= 0) {
    const sample = [...names].slice(0, 3).join(', ');
    throw new TfdistillError(
      'DATA_INVALID',
      `labels mix integer ids and class names (${sample}, ...)`,
      'use either integer ids 0..k-1 or class names throughout',
    );
  }
  if (maxInt >= 0) return Array.from({ length: maxInt + 1 }, (_, i) => String(i));
  // Code-unit order, not localeCompare: ids must not depend on the machine's locale.
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The class id of `label` in `labelMap`. Throws `TfdistillError('DATA_INVALID')` for a label the map does not hold.
 *
 * @example
 * ```ts
 * labelToId('spam', ['ham', 'spam']); // 1
 * labelToId(2, ['0', '1', '2']);      // 2
 * ```
 */
export function labelToId(label: RawLabel, labelMap: readonly string[]): number {
  const id = labelMap.indexOf(String(label));
  if (id < 0) {
    throw new TfdistillError('DATA_INVALID', `unknown label '${label}' (known labels: ${describeLabels(labelMap)})`);
  }
  return id;
}

/**
 * Up to ten labels joined for messages.
 *
 * @example
 * ```ts
 * describeLabels(['ham', 'spam']); // 'ham, spam'
 * ```
 */
export function describeLabels(labelMap: readonly string[]): string {
  const shown = labelMap.slice(0, 10).join(', ');
  return labelMap.length > 10 ? `${shown}, ... (${labelMap.length} in all)` : shown;
}
