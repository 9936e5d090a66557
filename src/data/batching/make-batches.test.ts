import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.js';
import { batchesPerEpoch, planEpoch } from './batch-plan.js';
import { makeBatches } from './make-batches.js';
import type { Batch, Example } from '../types.js';

/** 1037 examples with lengths 1..64 and dataset indices offset by 1000 (so positions and indices differ). */
function randomExamples(n = 1037, seed = 9): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const ids = Int32Array.from({ length: 1 + rng.int(64) }, () => 1 + rng.int(999));
    return { ids, label: rng.int(3), index: 1000 + i };
  });
}

const rowLength = (b: Batch, row: number): number => {
  let n = 0;
  for (let t = 0; t < b.seqLength; t++) if (b.inputIds[row * b.seqLength + t] !== 0) n = t + 1;
  return n;
};

describe('makeBatches', () => {
  const examples = randomExamples();
  const byIndex = new Map(examples.map((e) => [e.index, e]));

  it('uses every example exactly once per epoch, with its own ids and label', () => {
    const batches = makeBatches(examples, { batchSize: 16, seed: 1, epoch: 0 });
    expect(batches).toHaveLength(Math.ceil(1037 / 16));
    const seen = batches.flatMap((b) => Array.from(b.indices));
    expect(seen.sort((a, b) => a - b)).toEqual(examples.map((e) => e.index));
    for (const b of batches) {
      for (let row = 0; row < b.batchSize; row++) {
        const e = byIndex.get(b.indices[row])!;
        expect(Array.from(b.inputIds.subarray(row * b.seqLength, row * b.seqLength + e.ids.length))).toEqual(Array.from(e.ids));
        expect(b.labels![row]).toBe(e.label);
      }
    }
  });

  it('pads no batch beyond its longest row', () => {
    for (const bucketByLength of [true, false]) {
      for (const b of makeBatches(examples, { batchSize: 16, seed: 2, epoch: 1, bucketByLength })) {
        const longest = Math.max(...Array.from(b.indices, (i) => byIndex.get(i)!.ids.length));
        expect(b.seqLength).toBe(longest);
        expect(Math.max(...Array.from({ length: b.batchSize }, (_, r) => rowLength(b, r)))).toBe(longest);
      }
    }
  });

  it('bucketing by length wastes far less padding than random batches', () => {
    const padding = (bucketByLength: boolean) =>
      makeBatches(examples, { batchSize: 16, seed: 3, epoch: 0, bucketByLength }).reduce((sum, b) => sum + b.batchSize * b.seqLength, 0) -
      examples.reduce((s, e) => s + e.ids.length, 0);
    expect(padding(true)).toBeLessThan(padding(false) / 4);
  });

  it('is a function of (seed, epoch): same inputs, same batches; another epoch or seed, another order', () => {
    const order = (seed: number, epoch: number) =>
      makeBatches(examples, { batchSize: 16, seed, epoch }).map((b) => Array.from(b.indices).join(','));
    expect(order(7, 2)).toEqual(order(7, 2));
    expect(order(7, 2)).not.toEqual(order(7, 3));
    expect(order(7, 2)).not.toEqual(order(8, 2));
  });

  it('drops only the last short batch with dropLast, and keeps file order without shuffling', () => {
    const dropped = makeBatches(examples, { batchSize: 16, seed: 1, epoch: 0, dropLast: true });
    expect(dropped).toHaveLength(Math.floor(1037 / 16));
    expect(dropped.every((b) => b.batchSize === 16)).toBe(true);
    expect(batchesPerEpoch(1037, { batchSize: 16, dropLast: true })).toBe(dropped.length);
    const plain = makeBatches(examples.slice(0, 10), { batchSize: 4, seed: 1, epoch: 0, shuffle: false, bucketByLength: false });
    expect(plain.map((b) => Array.from(b.indices))).toEqual([
      [1000, 1001, 1002, 1003],
      [1004, 1005, 1006, 1007],
      [1008, 1009],
    ]);
  });

  it('sorts within pools only, so bucketed batches still mix across the whole epoch', () => {
    const lengths = Array.from({ length: 400 }, (_, i) => i); // length = position
    const plan = planEpoch(lengths, { batchSize: 4, seed: 11, epoch: 0, poolBatches: 5 });
    expect(plan).toHaveLength(100);
    // Within a batch, rows come from one sorted pool: lengths ascend.
    for (const rows of plan) expect(Array.from(rows)).toEqual(Array.from(rows).sort((a, b) => a - b));
    // Batch order is shuffled: the first batches are not the shortest rows.
    expect(plan.slice(0, 5).some((rows) => rows[0] > 100)).toBe(true);
  });
});
