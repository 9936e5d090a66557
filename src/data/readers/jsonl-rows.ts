/**
 * JSON Lines text -> {@link RawRow}s: one JSON object per line, blank lines ignored. Streams line by line, so only
 * the current line is held in memory.
 */
import { TfdistillError } from '../../errors.js';
import type { RawRow, RowReaderOptions } from './raw-row.js';

/**
 * Longest line (characters) a data file may have; a longer one is refused instead of being buffered without bound
 * (a multi-gigabyte file with no newline would otherwise exhaust memory). Shared by the CSV reader (per record).
 *
 * @example
 * ```ts
 * if (line.length > MAX_ROW_CHARS) throw new Error('row too long');
 * ```
 */
export const MAX_ROW_CHARS = 32 * 1024 * 1024;

/**
 * Yields one {@link RawRow} per non-blank line. A line that is not a JSON object comes back with an `error`. The keys
 * of the first object are passed to `onHeader` as the file's columns.
 *
 * @example
 * ```ts
 * for await (const row of jsonlRows(readTextChunks('train.jsonl'), { source: 'train.jsonl', onHeader: () => {} })) {
 *   console.log(row.line, row.cell?.('text'));
 * }
 * ```
 */
export async function* jsonlRows(text: AsyncIterable<string>, options: RowReaderOptions): AsyncGenerator<RawRow> {
  let pending = '';
  let lineNo = 0;
  let sawHeader = false;
  const parseLine = (source: string): RawRow | undefined => {
    lineNo++;
    if (source.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (e) {
      return { line: lineNo, error: `not valid JSON (${(e as Error).message})` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { line: lineNo, error: `expected a JSON object, got ${JSON.stringify(value).slice(0, 40)}` };
    }
    const row = value as Record<string, unknown>;
    if (!sawHeader) {
      sawHeader = true;
      options.onHeader(Object.keys(row));
    }
    return { line: lineNo, cell: (column) => (Object.hasOwn(row, column) ? row[column] : undefined) };
  };
  for await (const chunk of text) {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    if (pending.length > MAX_ROW_CHARS) {
      throw new TfdistillError(
        'DATA_INVALID',
        `${options.source} line ${lineNo + lines.length + 1} is longer than ${MAX_ROW_CHARS} characters`,
        'is this really a JSONL file (one JSON object per line)?',
      );
    }
    for (const line of lines) {
      const row = parseLine(line);
      if (row) yield row;
    }
  }
  const last = parseLine(pending);
  if (last) yield last;
}
