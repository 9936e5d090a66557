/**
 * CSV text -> {@link RawRow}s, streaming through csv-parse so the file is never in memory at once. Quoted fields may
 * contain commas, quotes (`""`) and newlines; the first record is the header. Expects `\n` line endings (the text
 * stream normalises CRLF), which keeps csv-parse's line counter exact.
 */
import { Readable } from 'node:stream';
import { CsvError, parse, type Options } from 'csv-parse';
import { TfdistillError } from '../../errors.js';
import { MAX_ROW_CHARS } from './jsonl-rows.js';
import type { RawRow, RowReaderOptions } from './raw-row.js';

/**
 * The csv-parse settings of every CSV reader in tfdistill (training data here, `predictStream`'s input in serve/):
 * RFC 4180 quoting, `\n` between records (the readers strip `\r`), a wrong number of fields left for the reader to
 * report, and at most {@link MAX_ROW_CHARS} per record, which bounds what csv-parse buffers for one record (an
 * unclosed quote would otherwise swallow the file).
 */
export const csvParseOptions = {
  relax_column_count: true,
  skip_empty_lines: true,
  record_delimiter: '\n',
  max_record_size: MAX_ROW_CHARS,
} satisfies Options;

/** What to check when csv-parse refuses a record's quoting (shared by the readers' messages). */
export const CSV_QUOTING_HINT = 'check the quoting of that row: a field containing a quote must be quoted, with the quote doubled ("")';

/**
 * Yields one {@link RawRow} per CSV record after the header. Rows with a wrong number of fields come back with an
 * `error`; a malformed file (an unclosed quote) throws `TfdistillError('DATA_INVALID')` with the line.
 *
 * @example
 * ```ts
 * for await (const row of csvRows(readTextChunks('train.csv'), { source: 'train.csv', onHeader: console.log })) {
 *   console.log(row.line, row.cell?.('text'));
 * }
 * ```
 */
export async function* csvRows(text: AsyncIterable<string>, options: RowReaderOptions): AsyncGenerator<RawRow> {
  const parser = parse({ ...csvParseOptions, info: true });
  const input = Readable.from(text);
  // Errors of the text stream (binary, not UTF-8, ...) must reach the loop below, which only watches the parser.
  input.on('error', (e) => parser.destroy(e));
  input.pipe(parser);
  let header: string[] | undefined;
  let index = new Map<string, number>(); // column name -> field position, built once from the header
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (record.length === 1 && record[0].trim() === '') continue; // whitespace-only line
      // info.lines is the line the record ends on; quoted newlines tell how many lines it spans.
      const line = info.lines - record.reduce((n, field) => n + countNewlines(field), 0);
      if (header === undefined) {
        header = readHeader(record, options.source);
        index = new Map(header.map((c, i) => [c, i]));
        options.onHeader(header);
        continue;
      }
      yield toRawRow(record, header, index, line);
    }
  } catch (e) {
    if (e instanceof CsvError) {
      const line = (e as CsvError & { lines?: number }).lines;
      throw new TfdistillError('DATA_INVALID', `${options.source}${line ? ` line ${line}` : ''}: ${e.message}`, CSV_QUOTING_HINT);
    }
    throw e;
  } finally {
    input.destroy();
    parser.destroy();
  }
  if (header === undefined) throw new TfdistillError('DATA_INVALID', `${options.source} has no header row`);
}

function readHeader(record: string[], source: string): string[] {
  const header = record.map((c) => c.trim());
  const duplicate = header.find((c, i) => header.indexOf(c) !== i);
  if (duplicate !== undefined) {
    throw new TfdistillError('DATA_INVALID', `${source} header names column '${duplicate}' twice`);
  }
  return header;
}

function toRawRow(record: string[], header: string[], index: Map<string, number>, line: number): RawRow {
  if (record.length < header.length) {
    return { line, error: `has ${record.length} fields but the header has ${header.length}: missing column '${header[record.length]}'` };
  }
  if (record.length > header.length) {
    return { line, error: `has ${record.length} fields but the header has ${header.length} (an unquoted comma?)` };
  }
  return {
    line,
    cell: (column) => {
      const i = index.get(column);
      return i === undefined ? undefined : record[i];
    },
  };
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
