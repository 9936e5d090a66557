/**
 * Bookkeeping for rows that cannot be used: in `'error'` mode the first one stops the read with its line number;
 * in `'skip'` mode they are counted and the first few kept so a summary can show the user what went wrong.
 */
import { TfdistillError } from '../../errors.js';

/** What to do with an unusable row: stop with an error (default) or skip it and count it. */
export type BadRowPolicy = 'error' | 'skip';

/** One unusable row. `line` is 1-based: the file line where the row starts, or the item number for in-memory data. */
export interface BadRow {
  line: number;
  reason: string;
}

/**
 * Summary of skipped rows: how many, and the first five of them.
 *
 * @example
 * ```ts
 * const { badRows } = await loadRecords('train.csv', { onBadRow: 'skip' });
 * for (const { line, reason } of badRows.first) console.warn(`line ${line}: ${reason}`);
 * ```
 */
export interface BadRowReport {
  count: number;
  first: BadRow[];
}

/** How many bad rows a report keeps verbatim. */
const MAX_REPORTED_BAD_ROWS = 5;

/**
 * Collects bad rows according to a {@link BadRowPolicy}.
 *
 * @example
 * ```ts
 * const log = new BadRowLog({ policy: 'skip', source: 'train.csv' });
 * log.add({ line: 7, reason: 'empty text' });
 * log.report(); // { count: 1, first: [{ line: 7, reason: 'empty text' }] }
 * ```
 */
export class BadRowLog {
  private count = 0;
  private readonly first: BadRow[] = [];
  private readonly policy: BadRowPolicy;
  /** File name or `'records'`, used as the prefix of error messages. */
  private readonly source: string;
  /** Word for `line` in messages: `'line'` for files, `'item'` for arrays. */
  private readonly unit: string;

  constructor(options: { policy: BadRowPolicy; source: string; unit?: string }) {
    this.policy = options.policy;
    this.source = options.source;
    this.unit = options.unit ?? 'line';
  }

  /** Records `row`; in `'error'` mode throws `TfdistillError('DATA_INVALID')` naming its line instead. */
  add(row: BadRow): void {
    if (this.policy === 'error') {
      throw new TfdistillError(
        'DATA_INVALID',
        `${this.source} ${this.unit} ${row.line}: ${row.reason}`,
        "fix the row, or pass onBadRow: 'skip' to skip unusable rows",
      );
    }
    this.count++;
    if (this.first.length < MAX_REPORTED_BAD_ROWS) this.first.push(row);
  }

  report(): BadRowReport {
    return { count: this.count, first: [...this.first] };
  }

  /** One line for messages, e.g. `3 bad rows (first: line 7: empty text)`. */
  describe(): string {
    if (this.count === 0) return 'no bad rows';
    const f = this.first[0];
    return `${this.count} bad row${this.count === 1 ? '' : 's'} (first: ${this.unit} ${f.line}: ${f.reason})`;
  }
}
