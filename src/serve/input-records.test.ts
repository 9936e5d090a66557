import { describe, expect, it } from 'vitest';
import { inputLines, type InputLine } from './input-lines.js';
import { inputRecords } from './input-records.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
async function* chunks<T>(...parts: T[]): AsyncGenerator<T> {
  yield* parts;
}

describe('inputLines', () => {
  it('splits across chunk boundaries, strips CRLF, keeps a last line without newline', async () => {
    const lines = await collect(inputLines(chunks('ab', 'c\r\nd', 'e\n\nf')));
    expect(lines).toEqual([
      { line: 1, text: 'abc' },
      { line: 2, text: 'de' },
      { line: 3, text: '' },
      { line: 4, text: 'f' },
    ]);
    expect(await collect(inputLines(chunks('x\n')))).toEqual([{ line: 1, text: 'x' }]);
  });

  it('decodes a multi-byte character split between chunks and flags an invalid UTF-8 line alone', async () => {
    const euro = new TextEncoder().encode('€ok\n');
    const lines = await collect(
      inputLines(chunks<string | Uint8Array>(euro.subarray(0, 1), euro.subarray(1), Uint8Array.from([0xff, 0x0a]), 'fine')),
    );
    expect(lines).toEqual([
      { line: 1, text: '€ok' },
      { line: 2, error: 'line is not valid UTF-8' },
      { line: 3, text: 'fine' },
    ]);
  });
});

describe('inputRecords', () => {
  const lines = (...texts: string[]) => chunks<InputLine>(...texts.map((t, i) => ({ line: i + 1, text: t })));

  it('jsonl: objects, bare strings, bad JSON, missing field, empty line', async () => {
    const recs = await collect(
      inputRecords(lines('{"body":"hi"}', '"bare"', '{oops', '{"x":1}', ''), { format: 'jsonl', textColumn: 'body' }),
    );
    expect(recs).toEqual([
      { line: 1, text: 'hi' },
      { line: 2, text: 'bare' },
      { line: 3, error: 'line is not valid JSON' },
      { line: 4, error: 'no string field "body"' },
      { line: 5, error: 'empty line' },
    ]);
  });

  it('csv: header, quoted commas and newlines, empty text', async () => {
    const recs = await collect(inputRecords(lines('id,text', '1,"a, b"', '2,"multi', 'line"', '3,', '4,plain'), { format: 'csv' }));
    expect(recs).toEqual([
      { line: 2, text: 'a, b' },
      { line: 3, text: 'multi\nline' },
      { line: 5, error: 'empty text' },
      { line: 6, text: 'plain' },
    ]);
  });

  it('text: every line is a record, blank ones are errors', async () => {
    expect(await collect(inputRecords(lines('a', ' '), { format: 'text' }))).toEqual([
      { line: 1, text: 'a' },
      { line: 2, error: 'empty text' },
    ]);
  });

  it('csv: doubled quotes, an empty line, a quote left open at the end', async () => {
    const recs = await collect(inputRecords(lines('a,text,d', 'x,"b, ""c""",y', '', 'z,"open'), { format: 'csv' }));
    expect(recs).toEqual([
      { line: 2, text: 'b, "c"' },
      { line: 3, error: 'empty line' },
      { line: 4, error: 'unterminated quoted field' },
    ]);
  });

  it('csv: a malformed record is one error and parsing resumes on the next line', async () => {
    const recs = await collect(inputRecords(lines('id,text', '1,"a"b', '2,"multi', 'line"', '3,c"d', '4,ok'), { format: 'csv' }));
    expect(recs).toEqual([
      { line: 2, error: expect.stringMatching(/^Invalid Closing Quote: check the quoting of that row/) },
      { line: 3, text: 'multi\nline' },
      { line: 5, error: expect.stringMatching(/^Invalid Opening Quote: /) },
      { line: 6, text: 'ok' },
    ]);
  });

  it('csv: an undecodable line breaks the record open across it, then records go on', async () => {
    const input = chunks<InputLine>(
      { line: 1, text: 'text' },
      { line: 2, text: '"open' },
      { line: 3, error: 'line is not valid UTF-8' },
      { line: 4, text: 'after' },
      { line: 5, error: 'line is not valid UTF-8' },
      { line: 6, text: 'last' },
    );
    expect(await collect(inputRecords(input, { format: 'csv' }))).toEqual([
      { line: 2, error: 'record broken by line 3: line is not valid UTF-8' },
      { line: 3, error: 'line is not valid UTF-8' },
      { line: 4, text: 'after' },
      { line: 5, error: 'line is not valid UTF-8' },
      { line: 6, text: 'last' },
    ]);
  });
});
