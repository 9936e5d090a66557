/**
 * Which rows go into which batch in a given epoch. The plan is a pure function of (row lengths, seed, epoch), so a
 * resumed run rebuilds exactly the same epoch and can skip the batches it has already trained on.
 *
 * Length bucketing (as in fairseq / Hugging Face `group_by_length`): shuffle, cut the order into pools of ~50
 * batches, sort each pool by length, cut it into batches, then shuffle the batch order. Rows of similar length share
 * a batch, so dynamic padding wastes little, while the pools and the final shuffle keep batches random.
 */
import { require_ } from '../../errors.js';
import { Rng } from '../../util/rng.js';

/**
 * Options shared by `planEpoch`, `makeBatches` and `EpochIterator`.
 */
export interface BatchingOptions {
  batchSize: number;
  /** Base seed; epoch e shuffles with a seed derived from (seed, e) only. */
  seed: number;
  /** Shuffle rows (and batches) each epoch. Default true. */
  shuffle?: boolean;
  /** Group rows of similar length into the same batch. Default true. */
  bucketByLength?: boolean;
  /** Drop the final incomplete batch. Default false. */
  dropLast?: boolean;
  /** Batches per sorting pool when bucketing. Default 50. */
  poolBatches?: number;
}

/**
 * A well-mixed 32-bit seed for epoch `epoch` of a run seeded with `seed` (murmur3's finaliser), so neighbouring
 * epochs get unrelated shuffles.
 *
 * @example
 * ```ts
 * new Rng(epochSeed(42, 3)); // the generator that shuffles epoch 3
 * ```
 */
export function epochSeed(seed: number, epoch: number): number {
  let h = (seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Number of batches in every epoch of `numRows` rows (the same for all epochs).
 *
 * @example
 * ```ts
 * batchesPerEpoch(10, { batchSize: 4 });                 // 3
 * batchesPerEpoch(10, { batchSize: 4, dropLast: true }); // 2
 * ```
 */
export function batchesPerEpoch(numRows: number, options: Pick<BatchingOptions, 'batchSize' | 'dropLast'>): number {
  return options.dropLast ? Math.floor(numRows / options.batchSize) : Math.ceil(numRows / options.batchSize);
}

/**
 * The batches of epoch `epoch` as row positions into `lengths` (one entry per row: its token count).
 *
 * @example
 * ```ts
 * const plan = planEpoch([5, 3, 9, 4], { batchSize: 2, seed: 1, epoch: 0 });
 * // e.g. [Int32Array [1, 3], Int32Array [0, 2]]: each row exactly once
 * ```
 */
export function planEpoch(lengths: ArrayLike<number>, options: BatchingOptions & { epoch: number }): Int32Array[] {
  const { batchSize, seed, epoch, shuffle = true, bucketByLength = true, dropLast = false, poolBatches = 50 } = options;
  require_(Number.isInteger(batchSize) && batchSize > 0, `batchSize must be a positive integer, got ${batchSize}`);
  require_(Number.isInteger(epoch) && epoch >= 0, `epoch must be a non-negative integer, got ${epoch}`);
  require_(Number.isInteger(poolBatches) && poolBatches > 0, `poolBatches must be a positive integer, got ${poolBatches}`);
  const rng = new Rng(epochSeed(seed, epoch));
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  if (shuffle) rng.shuffle(order);

  let batches: number[][] = [];
  if (bucketByLength) {
    const poolSize = poolBatches * batchSize; // a multiple of batchSize: only the very last batch can be short
    for (let start = 0; start < order.length; start += poolSize) {
      // Array.prototype.sort is stable, so equal lengths keep their shuffled order.
      const pool = order.slice(start, start + poolSize).sort((a, b) => lengths[a] - lengths[b]);
      batches.push(...chunk(pool, batchSize));
    }
  } else {
    batches = chunk(order, batchSize);
  }
  if (dropLast && batches.length > 0 && batches[batches.length - 1].length < batchSize) batches.pop();
  if (shuffle && bucketByLength) rng.shuffle(batches);
  return batches.map((b) => Int32Array.from(b));
}

function chunk(items: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
