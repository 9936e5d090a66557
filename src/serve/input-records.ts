/**
 * Turns input lines into texts to classify, per format: plain text (one text per line), JSONL (one object per
 * line, text in `textColumn`) or CSV (header line, then records; a quoted field may span lines; see `csv-records.ts`).
 * Every record becomes either a text or an error, so the output has exactly one result per input record.
 */
import { require_ } from '../errors.js';
import { csvRecords } from './csv-records.js';
import type { InputLine } from './input-lines.js';

/**
 * Input formats of `predictStream`.
 */
export type StreamFormat = 'jsonl' | 'csv' | 'text';

/**
 * One input record: where it starts and its text, or why it has none.
 */
export type InputRecord = { line: number; text: string; pair?: string } | { line: number; error: string };

/**
 * The records of a line stream in `format`, in input order.
 *
 * @example
 * ```ts
 * for await (const r of inputRecords(inputLines(file), { format: 'csv', textColumn: 'body' })) { ... }
 * ```
 */
export async function* inputRecords(
  lines: AsyncIterable<InputLine>,
  options: { format: StreamFormat; textColumn?: string; textPairColumn?: string },
): AsyncGenerator<InputRecord> {
  const column = options.textColumn ?? 'text';
  const pairColumn = options.textPairColumn;
  require_(['jsonl', 'csv', 'text'].includes(options.format), `format must be jsonl, csv or text, got '${options.format}'`);
  require_(pairColumn === undefined || options.format !== 'text', 'sentence pairs need jsonl or csv input (a text line holds one text)');
  if (options.format === 'csv') {
    yield* csvInputRecords(lines, column, pairColumn);
    return;
  }
  for await (const l of lines) {
    if ('error' in l) yield l;
    else if (options.format === 'text') yield checkText(l.line, l.text);
    else {
      const doc = jsonText(l.text, column, pairColumn);
      yield 'error' in doc ? { line: l.line, error: doc.error } : checkText(l.line, doc.text, doc.pair);
    }
  }
}

function checkText(line: number, text: string, pair?: string): InputRecord {
  if (text.trim() === '' || pair?.trim() === '') return { line, error: 'empty text' };
  return pair === undefined ? { line, text } : { line, text, pair };
}

function jsonText(raw: string, column: string, pairColumn: string | undefined): { text: string; pair?: string } | { error: string } {
  if (raw.trim() === '') return { error: 'empty line' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: 'line is not valid JSON' };
  }
  if (typeof value === 'string' && pairColumn === undefined) return { text: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'expected a JSON object or string' };
  const text = (value as Record<string, unknown>)[column];
  if (typeof text !== 'string') return { error: `no string field "${column}"` };
  if (pairColumn === undefined) return { text };
  const pair = (value as Record<string, unknown>)[pairColumn];
  return typeof pair === 'string' ? { text, pair } : { error: `no string field "${pairColumn}"` };
}

async function* csvInputRecords(
  lines: AsyncIterable<InputLine>,
  column: string,
  pairColumn: string | undefined,
): AsyncGenerator<InputRecord> {
  let textIndex = -1;
  let pairIndex = -1;
  let headerSeen = false;
  for await (const r of csvRecords(lines)) {
    if ('error' in r) {
      yield r;
      continue;
    }
    const { line, fields } = r;
    if (!headerSeen) {
      headerSeen = true;
      textIndex = fields.indexOf(column);
      pairIndex = pairColumn === undefined ? -1 : fields.indexOf(pairColumn);
      for (const [name, index] of [
        [column, textIndex],
        [pairColumn, pairIndex],
      ] as const) {
        if (name !== undefined && index < 0) yield { line, error: `CSV header has no column "${name}" (columns: ${fields.join(', ')})` };
      }
      continue;
    }
    const missing = textIndex < 0 ? column : pairColumn !== undefined && pairIndex < 0 ? pairColumn : undefined;
    if (fields.length === 1 && fields[0] === '') yield { line, error: 'empty line' };
    else if (missing !== undefined) yield { line, error: `no column "${missing}"` };
    else if (Math.max(textIndex, pairIndex) >= fields.length) {
      yield { line, error: `record has ${fields.length} fields, no "${textIndex >= fields.length ? column : pairColumn}"` };
    } else yield checkText(line, fields[textIndex], pairColumn === undefined ? undefined : fields[pairIndex]);
  }
}
