import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../../test/fixtures/data/helpers.js';
import { builtinDatasetPath, builtinDatasets, type BuiltinDatasetName } from './builtin-datasets.js';
import { loadRecords } from './read-records.js';

describe('builtin datasets', () => {
  it('spam-assassin loads cleanly with both classes', async () => {
    const { records, badRows, labelSet } = await loadRecords(builtinDatasetPath('spam-assassin'));
    expect(badRows.count).toBe(0);
    expect(labelSet).toEqual([...builtinDatasets['spam-assassin'].labels]);
    const counts = { ham: 0, spam: 0 } as Record<string, number>;
    for (const r of records) counts[r.label as string]++;
    expect(counts).toEqual({ ham: 4106, spam: 1762 });
    expect(new Set(records.map((r) => r.text)).size).toBe(records.length); // deduplicated
    expect(Math.max(...records.map((r) => r.text.length))).toBeLessThanOrEqual(200 + 1 + 600);
    expect(records.some((r) => /<\/?(html|body|p|br|div)\b/i.test(r.text))).toBe(false);
  });

  it('rejects unknown names, listing the available ones', async () => {
    const e = await expectTfdistillError(() => builtinDatasetPath('imdb' as BuiltinDatasetName), 'INVALID_ARGUMENT');
    expect(e.message).toMatch(/available: spam-assassin/);
  });
});
