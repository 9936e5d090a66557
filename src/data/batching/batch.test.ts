import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../../test/fixtures/data/helpers.js';
import { attentionMaskOf, batchFromExamples, padRows, teacherFeed } from './batch.js';
import type { Example } from '../types.js';

const ex = (ids: number[], index: number, extra: Partial<Example> = {}): Example => ({ ids: Int32Array.from(ids), index, ...extra });

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
    await expectTfdistillError(
      () => batchFromExamples([ex([1], 0, { teacherLogits: new Float32Array(2) }), ex([1], 1, { teacherLogits: new Float32Array(3) })]),
      'INVALID_ARGUMENT',
    );
  });
});

describe('padding with the tokenizer pad id, masks from lengths, pairs, teacher ids', () => {
  it('pads with padId and builds the mask from row lengths, even where a real token equals the pad id', () => {
    // RoBERTa-style: <s>=0, <pad>=1; the id 1 inside row 0 is a real token (a hand-built example) and stays unmasked.
    const b = batchFromExamples([ex([0, 1, 9, 2], 0), ex([0, 2], 1)], { padId: 1 });
    expect(Array.from(b.inputIds)).toEqual([0, 1, 9, 2, 0, 2, 1, 1]);
    expect(Array.from(b.attentionMask!)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(b.padId).toBe(1);
    expect(Array.from(attentionMaskOf(b))).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it('derives the mask from the pad id for a batch built by hand', () => {
    const b = { inputIds: Int32Array.from([5, 6, 1, 7, 1, 1]), batchSize: 2, seqLength: 3, padId: 1, indices: Int32Array.from([0, 1]) };
    expect(Array.from(attentionMaskOf(b))).toEqual([1, 1, 0, 1, 0, 0]);
  });

  it('packs token type ids of sentence pairs and refuses a batch mixing pairs and single texts', async () => {
    const b = batchFromExamples([
      ex([2, 7, 3, 8, 3], 0, { typeIds: Int32Array.from([0, 0, 0, 1, 1]) }),
      ex([2, 7, 3, 3], 1, { typeIds: Int32Array.from([0, 0, 0, 1]) }),
    ]);
    expect(Array.from(b.typeIds!)).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 1, 0]);
    await expectTfdistillError(
      () => batchFromExamples([ex([2, 3], 0, { typeIds: Int32Array.from([0, 0]) }), ex([2, 3], 1)]),
      'INVALID_ARGUMENT',
    );
  });

  it("carries the teacher's own ids, padded with the teacher's pad id, and feeds them to the teacher", () => {
    const b = batchFromExamples(
      [
        ex([2, 7, 3], 0, { teacherInput: { ids: Int32Array.from([0, 11, 12, 13, 2]) } }),
        ex([2, 3], 1, { teacherInput: { ids: Int32Array.from([0, 2]) } }),
      ],
      { padId: 0, teacherPadId: 1 },
    );
    expect(b.seqLength).toBe(3);
    const feed = teacherFeed(b);
    expect(feed.seqLength).toBe(5);
    expect(Array.from(feed.inputIds)).toEqual([0, 11, 12, 13, 2, 0, 2, 1, 1, 1]);
    expect(Array.from(feed.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(feed.padId).toBe(1);
  });

  it("feeds the student's ids, mask and type ids to a teacher that shares its tokenizer", () => {
    const b = batchFromExamples([
      ex([2, 7, 3, 8, 3], 0, { typeIds: Int32Array.from([0, 0, 0, 1, 1]) }),
      ex([2, 3, 9, 3], 1, { typeIds: Int32Array.from([0, 0, 1, 1]) }),
    ]);
    const feed = teacherFeed(b);
    expect(feed.inputIds).toBe(b.inputIds);
    expect(Array.from(feed.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(feed.typeIds).toBe(b.typeIds);
  });

  it('padRows makes [rows, longest] blocks', () => {
    const p = padRows([{ ids: Int32Array.from([4]) }, { ids: Int32Array.from([4, 5, 6]) }], 9);
    expect(Array.from(p.inputIds)).toEqual([4, 9, 9, 4, 5, 6]);
    expect(Array.from(p.attentionMask)).toEqual([1, 0, 0, 1, 1, 1]);
    expect(p.typeIds).toBeUndefined();
  });
});
