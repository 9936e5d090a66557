/**
 * An endless, resumable stream of training batches. Its whole state is a {@link BatchPosition}: because each epoch's
 * plan depends only on (seed, epoch), a run restored from a checkpoint's `{ epoch, batchIndex }` continues with
 * exactly the batches it had not yet seen - no row skipped, none repeated.
 */
import { require_, TfdistillError } from '../../errors.js';
import { batchFromExamples, type BatchPadding } from './batch.js';
import { batchesPerEpoch, planEpoch, type BatchingOptions } from './batch-plan.js';
import type { Batch, Example } from '../types.js';

/**
 * Where a run is: the next batch to train on is batch `batchIndex` of epoch `epoch` (both 0-based).
 *
 * @example
 * ```ts
 * const start: BatchPosition = checkpoint.position ?? { epoch: 0, batchIndex: 0 };
 * ```
 */
export interface BatchPosition {
  epoch: number;
  batchIndex: number;
}

/** A batch together with the position it was taken from. */
export interface PositionedBatch extends BatchPosition {
  batch: Batch;
}

/**
 * Yields batches epoch after epoch and can start from any saved position.
 *
 * @example
 * ```ts
 * const it = new EpochIterator(examples, { batchSize: 32, seed: 42, start: checkpoint.position });
 * for (const { batch, epoch } of it.restOfEpoch()) trainStep(batch);
 * saveCheckpoint({ position: it.position }); // { epoch: epoch + 1, batchIndex: 0 }
 * ```
 */
export class EpochIterator {
  /** Batches in every epoch. */
  readonly batchesPerEpoch: number;
  private epoch: number;
  private batchIndex: number;
  private plan: { epoch: number; batches: Int32Array[] } | undefined;
  private readonly lengths: Int32Array;

  constructor(
    private readonly examples: readonly Example[],
    private readonly options: BatchingOptions & { start?: BatchPosition; padding?: BatchPadding },
  ) {
    this.lengths = Int32Array.from(examples, (e) => e.ids.length);
    this.batchesPerEpoch = batchesPerEpoch(examples.length, options);
    if (this.batchesPerEpoch === 0) {
      throw new TfdistillError(
        'DATA_INVALID',
        `${examples.length} examples make no full batch of ${options.batchSize}`,
        'lower batchSize or set dropLast: false',
      );
    }
    const { epoch = 0, batchIndex = 0 } = options.start ?? {};
    require_(Number.isInteger(epoch) && epoch >= 0, `start.epoch must be a non-negative integer, got ${epoch}`);
    require_(
      Number.isInteger(batchIndex) && batchIndex >= 0 && batchIndex < this.batchesPerEpoch,
      `start.batchIndex must be in [0, ${this.batchesPerEpoch}), got ${batchIndex}`,
    );
    this.epoch = epoch;
    this.batchIndex = batchIndex;
  }

  /** The position of the next batch; save it to resume later. */
  get position(): BatchPosition {
    return { epoch: this.epoch, batchIndex: this.batchIndex };
  }

  /** The batch at the current position; then advances, rolling over to the next epoch after its last batch. */
  next(): PositionedBatch {
    if (this.plan?.epoch !== this.epoch) {
      this.plan = { epoch: this.epoch, batches: planEpoch(this.lengths, { ...this.options, epoch: this.epoch }) };
    }
    const rows = this.plan.batches[this.batchIndex];
    const out: PositionedBatch = {
      epoch: this.epoch,
      batchIndex: this.batchIndex,
      batch: batchFromExamples(
        Array.from(rows, (r) => this.examples[r]),
        this.options.padding,
      ),
    };
    if (++this.batchIndex === this.batchesPerEpoch) {
      this.epoch++;
      this.batchIndex = 0;
    }
    return out;
  }

  /** The remaining batches of the current epoch; afterwards `position` is `{ epoch: epoch + 1, batchIndex: 0 }`. */
  *restOfEpoch(): Generator<PositionedBatch> {
    const epoch = this.epoch;
    while (this.epoch === epoch) yield this.next();
  }
}
