/**
 * CSV records of a line stream, for `predictStream`: csv-parse with the training readers' settings
 * ({@link csvParseOptions}), fed one line at a time so that every input line ends up in exactly one result. Where the
 * training readers stop at a malformed record, a prediction stream reports it and goes on: the record is an error,
 * and parsing resumes on the line after the one csv-parse refused. Memory stays bounded: csv-parse holds at most one
 * record ({@link MAX_ROW_CHARS}), and the lines kept for a resume are that record's.
 */
import { parse, type CsvError, type Parser } from 'csv-parse';
import { CSV_QUOTING_HINT, csvParseOptions } from '../data/readers/csv-rows.js';
import { MAX_ROW_CHARS } from '../data/readers/jsonl-rows.js';
import type { InputLine } from './input-lines.js';

/**
 * One CSV record: the line it starts on and its fields, or why it has none.
 */
export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * The records of a CSV line stream, header included, in input order. An empty line is a record with one empty
 * field (the caller reports it); a line that could not be decoded is passed through as its error and ends any
 * record open across it.
 *
 * @example
 * ```ts
 * for await (const r of csvRecords(inputLines(file))) if ('fields' in r) console.log(r.line, r.fields);
 * ```
 */
export async function* csvRecords(lines: AsyncIterable<InputLine>): AsyncGenerator<CsvRecord> {
  let parser = new LineParser();
  for await (const l of lines) {
    if ('error' in l) {
      yield* await parser.end(`record broken by line ${l.line}: ${l.error}`);
      yield l;
      parser = new LineParser();
    } else {
      yield* parser.write(l.line, l.text);
    }
  }
  yield* await parser.end('unterminated quoted field');
}

/** csv-parse over consecutive input lines; its line 1 is the first line written. */
class LineParser {
  private parser!: Parser;
  /** Input line of the parser's line 1. */
  private first = 0;
  /** Parser line the last finished record ended on. */
  private lastEnd = 0;
  /** The lines written since that record ended: the open record's, replayed into a new parser after a refusal. */
  private open: Array<{ line: number; text: string }> = [];
  private finished: CsvRecord[] = [];

  constructor() {
    this.restart();
  }

  /** Writes one line; returns the records it finished (csv-parse finishes a record when it sees the next line). */
  write(line: number, text: string): CsvRecord[] {
    this.feed(line, text);
    return this.finished.splice(0);
  }

  /** Flushes the last record; a record still open is reported as `openError`. */
  async end(openError: string): Promise<CsvRecord[]> {
    while (this.open.length > 0) {
      const err = await new Promise<Error | null | undefined>((resolve) => this.parser.end(resolve));
      if (!err) break;
      this.refuse(err as CsvError, openError); // leaves open only lines written again after the refused one
    }
    this.parser.destroy();
    return this.finished.splice(0);
  }

  private feed(line: number, text: string): void {
    if (this.open.length === 0 && this.lastEnd === 0) this.first = line;
    this.open.push({ line, text });
    this.parser.write(`${text}\n`);
    // A refused record stops csv-parse inside this write (errors are set synchronously, emitted later).
    if (this.parser.errored) this.refuse(this.parser.errored as CsvError, 'unterminated quoted field');
  }

  /** Reports the open record as refused and resumes with a new parser on the lines after the refused one. */
  private refuse(err: CsvError, openError: string): void {
    const at = this.first + ((err as CsvError & { lines?: number }).lines ?? this.lastEnd + 1) - 1;
    this.finished.push({ line: this.first + this.lastEnd, error: describe(err, openError) });
    const replay = this.open.filter((l) => l.line > at);
    this.restart();
    for (const l of replay) this.feed(l.line, l.text);
  }

  private restart(): void {
    this.parser?.destroy();
    this.lastEnd = 0;
    this.open = [];
    // Every input line must come back in some result, so empty lines are records here (the caller reports them).
    this.parser = parse({
      ...csvParseOptions,
      skip_empty_lines: false,
      on_record: (fields: string[], { lines }) => {
        this.finished.push({ line: this.first + this.lastEnd, fields });
        this.lastEnd = lines;
        while (this.open.length > 0 && this.open[0].line < this.first + lines) this.open.shift();
        return undefined; // collected here, not pushed to the stream
      },
    });
    this.parser.on('error', () => {}); // read from `errored` right after the write instead
  }
}

function describe(err: CsvError, openError: string): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return openError;
  if (err.code === 'CSV_MAX_RECORD_SIZE') return `record longer than ${MAX_ROW_CHARS} characters (an unterminated quoted field?)`;
  // csv-parse's own message counts lines from where this parser started: keep only its first words.
  return `${err.message.split(':')[0]}: ${CSV_QUOTING_HINT}`;
}
