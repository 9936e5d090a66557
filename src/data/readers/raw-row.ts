/**
 * The common currency of the format readers: one table row before validation, with the line it starts on.
 */

/** One row as a format reader saw it: either its cells or the reason the row is unusable (e.g. invalid JSON). */
export interface RawRow {
  /** 1-based line where the row starts. */
  line: number;
  /** Looks up a cell by column name; `undefined` when the row has no such column. */
  cell?: (column: string) => unknown;
  /** Set instead of `cell` when the row could not be split into cells. */
  error?: string;
}

/** Options shared by the format readers. */
export interface RowReaderOptions {
  /** File name for messages. */
  source: string;
  /** Called once with the column names (CSV header, or the keys of the first JSONL object) before any row. */
  onHeader: (columns: string[]) => void;
}
