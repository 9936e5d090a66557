/**
 * Reading labelled text from CSV or JSONL files: `readRecords` streams validated {@link TextRecord}s (constant
 * memory, fine for a 1 GB file), `loadRecords` collects them together with a bad-row summary and the label map.
 */
import { require_, TfdistillError } from '../../errors.js';
import { BadRowLog, type BadRowPolicy, type BadRowReport } from './bad-rows.js';
import { csvRows } from './csv-rows.js';
import { jsonlRows } from './jsonl-rows.js';
import { buildLabelMap } from '../labels.js';
import type { RawRow, RowReaderOptions } from './raw-row.js';
import { resolveSchema, RowValidator, type ColumnOptions } from './row-schema.js';
import { readTextChunks } from './text-stream.js';
import type { TextRecord } from '../types.js';

/** Supported file formats. */
export type DataFormat = 'csv' | 'jsonl';

/**
 * Options for {@link readRecords} and {@link loadRecords}.
 */
export interface ReadRecordsOptions extends ColumnOptions {
  /** File format; by default from the extension (`.csv`, `.jsonl`/`.ndjson`, optionally followed by `.gz`). */
  format?: DataFormat;
  /** `'error'` (default) stops at the first unusable row, naming its line; `'skip'` counts and skips such rows. */
  onBadRow?: BadRowPolicy;
  /** Stop after this many good records. */
  limit?: number;
  /** Known class names (e.g. the training set's); a row with any other label is a bad row. */
  labelMap?: readonly string[];
  /** Bytes per disk read (default 64 KiB); mainly for tests. */
  chunkSize?: number;
}

/** What a finished {@link readRecords} returns: rows seen (good and bad) and the skipped rows. */
export interface ReadSummary {
  rows: number;
  badRows: BadRowReport;
}

/**
 * What {@link loadRecords} returns.
 *
 * @example
 * ```ts
 * const { records, badRows, labelSet }: LoadedRecords = await loadRecords('train.csv');
 * ```
 */
export interface LoadedRecords {
  records: TextRecord[];
  badRows: BadRowReport;
  /** The label map for these records: `options.labelMap` if given, else {@link buildLabelMap} of the records. */
  labelSet: string[];
}

const readers = { csv: csvRows, jsonl: jsonlRows } satisfies Record<DataFormat, typeof csvRows>;

/**
 * Streams the records of a CSV or JSONL file, validating each row. Throws `TfdistillError('DATA_INVALID')` for an
 * unreadable file (missing, empty, binary, not UTF-8, missing column) and, with `onBadRow: 'error'`, for the first
 * bad row (missing cell, empty text, unknown label, bad logits). The generator's return value is a {@link ReadSummary}.
 *
 * @example
 * ```ts
 * for await (const r of readRecords('train.csv', { labelColumn: 'category', onBadRow: 'skip' })) {
 *   console.log(r.line, r.label, r.text.slice(0, 40));
 * }
 * ```
 */
export async function* readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<TextRecord, ReadSummary> {
  const limit = options.limit ?? Infinity;
  require_(limit === Infinity || (Number.isInteger(limit) && limit > 0), `limit must be a positive integer, got ${limit}`);
  const format = options.format ?? formatFromPath(path);
  require_(format in readers, `format must be 'csv' or 'jsonl', got '${format}'`);
  const log = new BadRowLog({ policy: options.onBadRow ?? 'error', source: path });
  let validator: RowValidator | undefined;
  const readerOptions: RowReaderOptions = {
    source: path,
    onHeader: (columns) => {
      validator = new RowValidator(resolveSchema(columns, options, path), options);
    },
  };
  const rows: AsyncGenerator<RawRow> = readers[format](readTextChunks(path, { chunkSize: options.chunkSize }), readerOptions);
  let seen = 0;
  let good = 0;
  for await (const row of rows) {
    seen++;
    const parsed = row.error !== undefined || !validator ? { error: row.error ?? 'unreadable row' } : validator.validate(row.cell!);
    if ('error' in parsed) {
      log.add({ line: row.line, reason: parsed.error });
      continue;
    }
    yield { ...parsed.value, line: row.line };
    if (++good >= limit) break;
  }
  if (seen === 0) throw new TfdistillError('DATA_INVALID', `${path} has a header but no data rows`);
  return { rows: seen, badRows: log.report() };
}

/**
 * Reads a whole CSV or JSONL file into memory: the good records, a summary of skipped rows and the label map.
 * Throws `TfdistillError('DATA_INVALID')` when no usable row remains.
 *
 * @example
 * ```ts
 * const { records, badRows, labelSet } = await loadRecords('train.csv', { onBadRow: 'skip' });
 * console.log(`${records.length} rows, ${badRows.count} skipped, classes ${labelSet.join('/')}`);
 * ```
 */
export async function loadRecords(path: string, options: ReadRecordsOptions = {}): Promise<LoadedRecords> {
  const records: TextRecord[] = [];
  const reader = readRecords(path, options);
  let step = await reader.next();
  for (; !step.done; step = await reader.next()) records.push(step.value);
  const { badRows } = step.value;
  if (records.length === 0) {
    const first = badRows.first[0];
    throw new TfdistillError(
      'DATA_INVALID',
      `${path} has no usable rows (${badRows.count} bad; first: line ${first.line}: ${first.reason})`,
    );
  }
  return { records, badRows, labelSet: options.labelMap ? [...options.labelMap] : buildLabelMap(records) };
}

/**
 * The format implied by a file name: `.csv` -> csv, `.jsonl`/`.ndjson` -> jsonl (a trailing `.gz` is ignored).
 *
 * @example
 * ```ts
 * formatFromPath('data/spam.csv.gz'); // 'csv'
 * ```
 */
export function formatFromPath(path: string): DataFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  throw new TfdistillError(
    'INVALID_ARGUMENT',
    `cannot tell the format of ${path} from its extension`,
    "name it .csv or .jsonl, or pass format: 'csv' | 'jsonl'",
  );
}
