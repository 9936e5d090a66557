import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { splitRecords } from './split.js';
import type { TextRecord } from './types.js';

const records = [
  ...Array.from({ length: 100 }, (_, i) => ({ text: `a${i}`, label: 'a' })),
  ...Array.from({ length: 20 }, (_, i) => ({ text: `b${i}`, label: 'b' })),
  ...Array.from({ length: 7 }, (_, i) => ({ text: `c${i}`, label: 3 as string | number })),
];

describe('splitRecords', () => {
  it('is a partition that keeps the original order', () => {
    const { train, validation } = splitRecords(records, { seed: 1 });
    expect(train.length + validation.length).toBe(records.length);
    expect(new Set([...train, ...validation]).size).toBe(records.length);
    const position = new Map(records.map((r, i) => [r, i]));
    for (const part of [train, validation]) {
      const pos = part.map((r) => position.get(r)!);
      expect(pos).toEqual([...pos].sort((x, y) => x - y));
    }
  });

  it('is stratified by label', () => {
    const { validation } = splitRecords(records, { seed: 5, validationFraction: 0.1 });
    const count = (label: string | number) => validation.filter((r) => r.label === label).length;
    expect([count('a'), count('b'), count(3)]).toEqual([10, 2, 1]);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const texts = (seed: number) => splitRecords(records, { seed }).validation.map((r) => r.text);
    expect(texts(42)).toEqual(texts(42));
    expect(texts(42)).not.toEqual(texts(43));
    // Rounded per group: 100 * 0.5, 20 * 0.5, round(7 * 0.5).
    expect(splitRecords(records, { seed: 42, validationFraction: 0.5 }).validation).toHaveLength(50 + 10 + 4);
  });

  it('holds out at least one row of small data, and refuses when impossible', async () => {
    const small = [
      { text: 'x', label: 'a' },
      { text: 'y', label: 'b' },
      { text: 'z', label: 'b' },
    ];
    const { train, validation } = splitRecords(small, { seed: 0 });
    expect(validation).toHaveLength(1);
    expect(validation[0].label).toBe('b'); // taken from the largest group, never emptying a class
    expect(train).toHaveLength(2);
    await expectTfdistillError(() => splitRecords<TextRecord>([{ text: 'x' }], { seed: 0 }), 'DATA_INVALID');
    await expectTfdistillError(() => splitRecords(small, { seed: 0, validationFraction: 1 }), 'INVALID_ARGUMENT');
  });

  it('splits unlabeled records too', () => {
    const unlabeled: TextRecord[] = Array.from({ length: 50 }, (_, i) => ({ text: String(i) }));
    expect(splitRecords(unlabeled, { seed: 3, validationFraction: 0.2 }).validation).toHaveLength(10);
  });
});
