import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectTfdistillError, fixture, tempFile } from '../../../test/fixtures/data/helpers.js';
import { formatFromPath, loadRecords, readRecords } from './read-records.js';

describe('loadRecords (CSV)', () => {
  it('reads BOM, CRLF, quoted commas, doubled quotes and newlines, with start line numbers', async () => {
    const { records, badRows, labelSet } = await loadRecords(fixture('bom-crlf-quoted.csv'));
    expect(records.map((r) => r.text)).toEqual(['Hello, "friend"\nsee you at 5', 'WIN A PRIZE NOW', 'multi\nline\nthree', 'café ☕ naïve']);
    expect(records.map((r) => r.line)).toEqual([2, 4, 5, 8]);
    expect(records.map((r) => r.label)).toEqual(['ham', 'spam', 'ham', 'ham']);
    expect(badRows).toEqual({ count: 0, first: [] });
    expect(labelSet).toEqual(['ham', 'spam']);
  });

  it('gives the same records for any chunk size, and through gzip', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `"row ${i}, é☕ ""q""\nsecond",${i % 3}`);
    const csv = `text,label\r\n${rows.join('\r\n')}\r\n`;
    const path = tempFile('many.csv', csv);
    const reference = (await loadRecords(path)).records;
    expect(reference).toHaveLength(150);
    expect(reference[149]).toEqual({ text: 'row 149, é☕ "q"\nsecond', label: 2, line: 2 + 2 * 149 });
    for (const chunkSize of [1, 7, 1024]) expect((await loadRecords(path, { chunkSize })).records).toEqual(reference);
    expect((await loadRecords(tempFile('many.csv.gz', gzipSync(csv)))).records).toEqual(reference);
  });

  it('orders logit_0..logit_k columns by k and parses JSON logit columns', async () => {
    const cols = await loadRecords(fixture('logit-columns.csv'));
    expect(cols.records.map((r) => r.teacherLogits)).toEqual([
      [-1.25, 0.5, 2],
      [3, 0.001, -0.5],
    ]);
    const json = await loadRecords(fixture('logits-json.csv'), { teacherLogitsColumn: 'teacher' });
    expect(json.records.map((r) => r.teacherLogits)).toEqual([
      [1.5, -2],
      [0, 0.25],
    ]);
  });

  it('rejects gaps in logit columns and missing named columns, listing the columns that exist', async () => {
    const gap = await expectTfdistillError(loadRecords(tempFile('gap.csv', 'text,label,logit_0,logit_2\na,b,1,2\n')), 'DATA_INVALID');
    expect(gap.message).toMatch(/logit_0, logit_2/);
    const noText = await expectTfdistillError(loadRecords(tempFile('notext.csv', 'body,label\na,b\n')), 'DATA_INVALID');
    expect(noText.message).toMatch(/no 'text' column; its columns are: 'body', 'label'/);
    const noLabel = await expectTfdistillError(loadRecords(fixture('bom-crlf-quoted.csv'), { labelColumn: 'y' }), 'DATA_INVALID');
    expect(noLabel.message).toMatch(/no 'y' column/);
    await expectTfdistillError(loadRecords(fixture('logits-json.csv'), { teacherLogitsColumn: 'z' }), 'DATA_INVALID');
    const unlabeled = await loadRecords(tempFile('unlabeled.csv', 'text\nhello\n'), { labelColumn: null });
    expect(unlabeled.records).toEqual([{ text: 'hello', line: 2 }]);
    expect(unlabeled.labelSet).toEqual([]);
  });

  it("stops at the first bad row with its line number in 'error' mode", async () => {
    const e = await expectTfdistillError(loadRecords(fixture('bad-rows.csv')), 'DATA_INVALID');
    expect(e.message).toMatch(/bad-rows\.csv line 3: empty text/);
    expect(e.hint).toMatch(/onBadRow: 'skip'/);
  });

  it("counts bad rows and keeps the first five in 'skip' mode", async () => {
    const { records, badRows } = await loadRecords(fixture('bad-rows.csv'), { onBadRow: 'skip' });
    expect(records.map((r) => [r.line, r.text])).toEqual([
      [2, 'fine one'],
      [7, 'quoted\nspan'],
      [11, 'fine two'],
    ]);
    expect(badRows.count).toBe(7);
    expect(badRows.first.map((b) => b.line)).toEqual([3, 4, 5, 6, 9]);
    expect(badRows.first.map((b) => b.reason)).toEqual([
      'empty text',
      'empty label',
      "has 2 fields but the header has 4: missing column 'logit_0'",
      'logit_0 is not a finite number: "abc"',
      'empty text',
    ]);
  });

  it('treats a label outside the given label map as a bad row', async () => {
    const { records, badRows, labelSet } = await loadRecords(fixture('bad-rows.csv'), { onBadRow: 'skip', labelMap: ['a'] });
    expect(records.map((r) => r.line)).toEqual([2]);
    expect(badRows.count).toBe(9);
    expect(badRows.first.map((b) => b.line)).toContain(7);
    expect(badRows.first.find((b) => b.line === 7)?.reason).toBe("unknown label 'b' (known labels: a)");
    expect(labelSet).toEqual(['a']);
  });

  it('rejects unparseable and inconsistent logit arrays', async () => {
    const path = tempFile('logits.csv', 'text,label,t\na,x,"[1,2]"\nb,x,"[1,2,3]"\nc,x,"[1,"\nd,x,"[1,""no""]"\ne,x,"[]"\n');
    const { records, badRows } = await loadRecords(path, { teacherLogitsColumn: 't', onBadRow: 'skip' });
    expect(records.map((r) => r.line)).toEqual([2]);
    expect(badRows.first.map((b) => [b.line, b.reason.split(':')[0]])).toEqual([
      [3, 'has 3 teacher logits but earlier rows have 2'],
      [4, 'teacher logits are not a JSON array'],
      [5, 'teacher logits contain a non-number'],
      [6, 'teacher logits must be a non-empty array of numbers, got []'],
    ]);
  });

  it('maps integer-looking labels to numbers and builds a range label map', async () => {
    const { records, labelSet } = await loadRecords(tempFile('ints.csv', 'text,label\na,2\nb,0\nc, 1 \n'));
    expect(records.map((r) => r.label)).toEqual([2, 0, 1]);
    expect(labelSet).toEqual(['0', '1', '2']);
  });

  it('rejects a file with a header and no rows, an unclosed quote, a duplicate header and an unknown extension', async () => {
    expect((await expectTfdistillError(loadRecords(tempFile('header-only.csv', 'text,label\n')), 'DATA_INVALID')).message).toMatch(
      /no data rows/,
    );
    expect((await expectTfdistillError(loadRecords(tempFile('quote.csv', 'text,label\nok,1\n"open,1\n')), 'DATA_INVALID')).message).toMatch(
      /line 3/,
    );
    await expectTfdistillError(loadRecords(tempFile('dup.csv', 'text,text\na,b\n')), 'DATA_INVALID');
    await expectTfdistillError(loadRecords(tempFile('data.txt', 'text,label\na,b\n')), 'INVALID_ARGUMENT');
    const allBad = await expectTfdistillError(
      loadRecords(tempFile('all-bad.csv', 'text,label\n,a\n'), { onBadRow: 'skip' }),
      'DATA_INVALID',
    );
    expect(allBad.message).toMatch(/no usable rows \(1 bad; first: line 2: empty text\)/);
  });
});

describe('loadRecords (whole-file problems through both readers)', () => {
  it('surfaces binary, non-UTF-8 and empty files as one DATA_INVALID error, in CSV and JSONL', async () => {
    for (const ext of ['csv', 'jsonl']) {
      const binary = tempFile(`bin.${ext}`, Buffer.from([0x7b, 0x00, 0x7d, 0x0a]));
      expect((await expectTfdistillError(loadRecords(binary), 'DATA_INVALID')).message).toMatch(/binary/);
      const head = ext === 'csv' ? 'text,label\nok,1\n' : '{"text": "ok", "label": 1}\n';
      const latin1 = tempFile(`latin1.${ext}`, Buffer.concat([Buffer.from(head.repeat(50)), Buffer.from([0xe9, 0x0a])]));
      expect((await expectTfdistillError(loadRecords(latin1, { chunkSize: 64 }), 'DATA_INVALID')).message).toMatch(/not valid UTF-8/);
      expect((await expectTfdistillError(loadRecords(tempFile(`empty.${ext}`, '')), 'DATA_INVALID')).message).toMatch(/is empty/);
    }
  });
});

describe('readRecords', () => {
  it('streams records and stops early at the limit', async () => {
    const seen: number[] = [];
    for await (const r of readRecords(fixture('bom-crlf-quoted.csv'), { limit: 2 })) seen.push(r.line!);
    expect(seen).toEqual([2, 4]);
    const { records } = await loadRecords(fixture('bom-crlf-quoted.csv'), { limit: 3 });
    expect(records).toHaveLength(3);
  });

  it('returns a summary of rows seen and skipped', async () => {
    const reader = readRecords(fixture('bad-rows.csv'), { onBadRow: 'skip' });
    let step = await reader.next();
    while (!step.done) step = await reader.next();
    expect(step.value.rows).toBe(10);
    expect(step.value.badRows.count).toBe(7);
  });
});

describe('formatFromPath', () => {
  it('reads the format from the extension, ignoring .gz', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv');
    expect(formatFromPath('x.jsonl.gz')).toBe('jsonl');
    expect(formatFromPath('x.ndjson')).toBe('jsonl');
  });
});
