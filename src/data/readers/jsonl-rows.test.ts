import { describe, expect, it } from 'vitest';
import { expectTfdistillError, fixture, tempFile } from '../../../test/fixtures/data/helpers.js';
import { loadRecords } from './read-records.js';

describe('loadRecords (JSONL)', () => {
  it('reads objects line by line, with array logits and line numbers', async () => {
    const { records, badRows, labelSet } = await loadRecords(fixture('train.jsonl'), { teacherLogitsColumn: 'logits', onBadRow: 'skip' });
    expect(records).toEqual([
      { text: 'hello there', label: 'ham', teacherLogits: [0.1, 0.9], line: 1 },
      { text: 'buy now', label: 'spam', teacherLogits: [2, -1], line: 3 },
      { text: 'last', label: 'ham', teacherLogits: [0, 0], line: 8 },
    ]);
    expect(labelSet).toEqual(['ham', 'spam']);
    expect(badRows.count).toBe(4);
    expect(badRows.first.map((b) => b.line)).toEqual([4, 5, 6, 7]);
    expect(badRows.first[0].reason).toMatch(/^not valid JSON/);
    expect(badRows.first[1].reason).toMatch(/^expected a JSON object/);
    expect(badRows.first[2].reason).toBe('has 3 teacher logits but earlier rows have 2');
    expect(badRows.first[3].reason).toBe("missing column 'logits'");
  });

  it('stops at the first bad line in error mode', async () => {
    const e = await expectTfdistillError(loadRecords(fixture('train.jsonl'), { teacherLogitsColumn: 'logits' }), 'DATA_INVALID');
    expect(e.message).toMatch(/train\.jsonl line 4: not valid JSON/);
  });

  it('checks the first object for the named columns, listing its keys', async () => {
    const path = tempFile('keys.jsonl', '{"body": "x", "label": 1}\n');
    const e = await expectTfdistillError(loadRecords(path), 'DATA_INVALID');
    expect(e.message).toMatch(/no 'text' column; its columns are: 'body', 'label'/);
  });

  it('rejects non-string text, non-integer numeric labels and logit_k keys with non-numbers', async () => {
    const path = tempFile(
      'types.jsonl',
      [
        '{"text": "ok", "label": 0, "logit_0": 1, "logit_1": 2}',
        '{"text": 5, "label": 0, "logit_0": 1, "logit_1": 2}',
        '{"text": "x", "label": 1.5, "logit_0": 1, "logit_1": 2}',
        '{"text": "y", "label": 1, "logit_0": "a", "logit_1": 2}',
        '{"text": "z", "label": -1, "logit_0": 1, "logit_1": 2}',
      ].join('\r\n'),
    );
    const { records, badRows } = await loadRecords(path, { onBadRow: 'skip' });
    expect(records).toEqual([{ text: 'ok', label: 0, teacherLogits: [1, 2], line: 1 }]);
    expect(badRows.first.map((b) => b.reason)).toEqual([
      'text must be a string, got 5',
      'label 1.5 is not a non-negative integer',
      'logit_0 is not a finite number: "a"',
      'label -1 is not a non-negative integer',
    ]);
  });

  it('reads identically with one-byte chunks', async () => {
    const options = { teacherLogitsColumn: 'logits', onBadRow: 'skip' } as const;
    const whole = await loadRecords(fixture('train.jsonl'), options);
    expect(await loadRecords(fixture('train.jsonl'), { ...options, chunkSize: 1 })).toEqual(whole);
  });
});
