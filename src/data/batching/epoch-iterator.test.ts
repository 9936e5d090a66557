import { describe, expect, it } from 'vitest';
import { expectTfdistillError } from '../../../test/fixtures/data/helpers.js';
import { EpochIterator, type PositionedBatch } from './epoch-iterator.js';
import { makeBatches } from './make-batches.js';
import type { Example } from '../types.js';

const examples: Example[] = Array.from({ length: 203 }, (_, i) => ({
  ids: Int32Array.from({ length: 1 + ((i * 37) % 50) }, (_, t) => t + 1),
  index: i,
}));
const options = { batchSize: 8, seed: 21 };
const key = (p: PositionedBatch) => `${p.epoch}/${p.batchIndex}:${Array.from(p.batch.indices).join(',')}`;

describe('EpochIterator', () => {
  it('yields the same batches as makeBatches, epoch after epoch', () => {
    const it = new EpochIterator(examples, options);
    expect(it.batchesPerEpoch).toBe(26);
    for (let epoch = 0; epoch < 2; epoch++) {
      const expected = makeBatches(examples, { ...options, epoch }).map((b) => Array.from(b.indices));
      expect([...it.restOfEpoch()].map((p) => Array.from(p.batch.indices))).toEqual(expected);
      expect(it.position).toEqual({ epoch: epoch + 1, batchIndex: 0 });
    }
  });

  it('resumes mid-epoch from a saved position with no row skipped or repeated', () => {
    const full = new EpochIterator(examples, options);
    const reference = Array.from({ length: 26 * 2 + 5 }, () => key(full.next()));

    const first = new EpochIterator(examples, options);
    const before = Array.from({ length: 26 + 11 }, () => first.next());
    const saved = first.position; // as stored in a checkpoint
    expect(saved).toEqual({ epoch: 1, batchIndex: 11 });

    const resumed = new EpochIterator(examples, { ...options, start: saved });
    const after = Array.from({ length: 26 - 11 + 5 }, () => resumed.next());
    expect([...before, ...after].map(key)).toEqual(reference);

    const epoch1Rows = [...before, ...after].filter((p) => p.epoch === 1).flatMap((p) => Array.from(p.batch.indices));
    expect(epoch1Rows.sort((a, b) => a - b)).toEqual(examples.map((e) => e.index));
  });

  it('rejects positions outside the epoch and data too small for one batch', async () => {
    await expectTfdistillError(() => new EpochIterator(examples, { ...options, start: { epoch: 0, batchIndex: 26 } }), 'INVALID_ARGUMENT');
    await expectTfdistillError(() => new EpochIterator(examples, { ...options, start: { epoch: -1, batchIndex: 0 } }), 'INVALID_ARGUMENT');
    await expectTfdistillError(() => new EpochIterator(examples.slice(0, 3), { ...options, dropLast: true }), 'DATA_INVALID');
  });
});
