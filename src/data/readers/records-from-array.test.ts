import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../../test/fixtures/data/helpers.js';
import { recordsFromArray, type ArrayItem } from './records-from-array.js';

describe('recordsFromArray', () => {
  it('validates in-memory items like file rows, numbering them from 1', () => {
    const { records, labelSet, badRows } = recordsFromArray([
      { text: 'win a prize', label: 'spam' },
      { text: 'lunch?', label: 'ham' },
    ]);
    expect(records).toEqual([
      { text: 'win a prize', label: 'spam', line: 1 },
      { text: 'lunch?', label: 'ham', line: 2 },
    ]);
    expect(labelSet).toEqual(['ham', 'spam']);
    expect(badRows.count).toBe(0);
  });

  it('reports empty text, missing and unknown labels, bad logits and non-objects', async () => {
    const items = [
      { text: 'ok', label: 'a', teacherLogits: [1, 2] },
      { text: '  ', label: 'a', teacherLogits: [1, 2] },
      { text: 'no label', teacherLogits: [1, 2] },
      { text: 'unknown', label: 'c', teacherLogits: [1, 2] },
      { text: 'short logits', label: 'b', teacherLogits: [1] },
      null,
      { text: 'nan', label: 'b', teacherLogits: [NaN, 1] },
    ] as unknown as ArrayItem[];
    const e = await expectTfdistillError(() => recordsFromArray(items, { labelMap: ['a', 'b'] }), 'DATA_INVALID');
    expect(e.message).toBe('records item 2: empty text');
    const { records, badRows } = recordsFromArray(items, { labelMap: ['a', 'b'], onBadRow: 'skip' });
    expect(records.map((r) => r.line)).toEqual([1]);
    expect(badRows.count).toBe(6);
    expect(badRows.first.map((b) => b.line)).toEqual([2, 3, 4, 5, 6]);
    expect(badRows.first[1].reason).toBe("missing column 'label'");
    expect(badRows.first[2].reason).toMatch(/^unknown label 'c'/);
  });

  it('accepts unlabeled data and fails when nothing is usable', async () => {
    expect(recordsFromArray([{ text: 'a' }, { text: 'b' }]).labelSet).toEqual([]);
    await expectTfdistillError(() => recordsFromArray([{ text: '' }], { onBadRow: 'skip' }), 'DATA_INVALID');
    await expectTfdistillError(() => recordsFromArray([]), 'DATA_INVALID');
  });
});
