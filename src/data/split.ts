/**
 * Holding out a validation set when the user gives none: deterministic for a seed, and stratified by label so a
 * rare class is represented in both parts in (nearly) its overall proportion.
 */
import { require_, TfdistillError } from '../errors.js';
import { Rng } from '../util/rng.js';

/**
 * Options for {@link splitRecords}.
 */
export interface SplitOptions {
  /** Share of rows held out, in (0, 1). Default 0.1. */
  validationFraction?: number;
  /** Seed of the shuffle that picks the held-out rows. */
  seed: number;
}

/** The two parts, each in the original row order. */
export interface Split<T> {
  train: T[];
  validation: T[];
}

/**
 * Splits `records` into train and validation parts. Each label group (or the whole set, when unlabeled) gives
 * `round(n * validationFraction)` randomly chosen rows to validation; the same seed always picks the same rows.
 * Throws `TfdistillError('DATA_INVALID')` when there are too few rows to hold any out.
 *
 * @example
 * ```ts
 * const { train, validation } = splitRecords(records, { validationFraction: 0.2, seed: 42 });
 * ```
 */
export function splitRecords<T extends { label?: string | number }>(records: readonly T[], options: SplitOptions): Split<T> {
  const fraction = options.validationFraction ?? 0.1;
  require_(fraction > 0 && fraction < 1, `validationFraction must be in (0, 1), got ${fraction}`);
  require_(Number.isInteger(options.seed), `seed must be an integer, got ${options.seed}`);
  const rng = new Rng(options.seed);
  const held = new Uint8Array(records.length);
  const groups = groupByLabel(records);
  let total = 0;
  for (const members of groups) {
    const take = Math.round(members.length * fraction);
    // Never empty a group completely: its class must stay learnable.
    const count = Math.min(take, members.length - 1);
    for (const i of rng.shuffle([...members]).slice(0, count)) held[i] = 1;
    total += count;
  }
  if (total === 0) {
    // Small data: the per-group rounding left nothing out; hold out one row of the largest group.
    const largest = groups.reduce((a, b) => (b.length > a.length ? b : a), [] as number[]);
    if (largest.length < 2) {
      throw new TfdistillError(
        'DATA_INVALID',
        `too few rows (${records.length}) to hold out a validation set`,
        'add rows or pass a separate validation file',
      );
    }
    held[largest[rng.int(largest.length)]] = 1;
  }
  const split: Split<T> = { train: [], validation: [] };
  for (const [i, r] of records.entries()) (held[i] ? split.validation : split.train).push(r);
  return split;
}

/** Row indices per label, groups in sorted label order so the shuffle sequence does not depend on row order. */
function groupByLabel(records: readonly { label?: string | number }[]): number[][] {
  const groups = new Map<string, number[]>();
  records.forEach((r, i) => {
    const key = r.label === undefined ? '' : `${typeof r.label}:${r.label}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}
