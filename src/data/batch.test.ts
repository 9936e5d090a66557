import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../test/fixtures/data/helpers.js';
import { batchFromExamples } from './batch.js';
import type { Example } from './types.js';

const ex = (ids: number[], index: number, extra: Partial<Example> = {}): Example =>
  ({ ids: Int32Array.from(ids), index, ...extra });

describe('batchFromExamples', () => {
  it('pads with 0 to the longest row of the batch and keeps dataset indices', () => {
    const b = batchFromExamples([ex([101, 7, 8, 102], 9), ex([101, 102], 4), ex([101, 5, 102], 0)]);
    expect([b.batchSize, b.seqLength]).toEqual([3, 4]);
    expect(Array.from(b.inputIds)).toEqual([101, 7, 8, 102, 101, 102, 0, 0, 101, 5, 102, 0]);
    expect(Array.from(b.indices)).toEqual([9, 4, 0]);
    expect(b.labels).toBeUndefined();
    expect(b.teacherLogits).toBeUndefined();
  });

  it('packs labels and teacher logits row-major', () => {
    const b = batchFromExamples([
      ex([1], 0, { label: 2, teacherLogits: Float32Array.from([0.5, -1, 2]) }),
      ex([1, 2], 1, { label: 0, teacherLogits: Float32Array.from([3, 4, 5]) }),
    ]);
    expect(Array.from(b.labels!)).toEqual([2, 0]);
    expect(Array.from(b.teacherLogits!)).toEqual([0.5, -1, 2, 3, 4, 5]);
    expect(b.numClasses).toBe(3);
  });

  it('rejects empty batches and partially labelled or ragged examples', async () => {
    await expectTfdistillError(() => batchFromExamples([]), 'INVALID_ARGUMENT');
    await expectTfdistillError(() => batchFromExamples([ex([1], 0, { label: 1 }), ex([1], 1)]), 'INVALID_ARGUMENT');
    await expectTfdistillError(() => batchFromExamples([
      ex([1], 0, { teacherLogits: new Float32Array(2) }), ex([1], 1, { teacherLogits: new Float32Array(3) }),
    ]), 'INVALID_ARGUMENT');
  });
});
