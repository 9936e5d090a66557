import type { BatchPosition, EpochIterator, PositionedBatch } from '../data/batching/epoch-iterator.js';
import { batchTeacherLogits } from '../data/batching/batch-teacher-logits.js';
import type { Teacher } from '../models/types.js';

/** A batch with its teacher logits attached, and the iterator position right after it (what a checkpoint saves). */
export interface PrefetchedBatch extends PositionedBatch {
  after: BatchPosition;
}

/**
 * Runs an asynchronous teacher (ONNX Runtime in its own thread) one batch ahead of training: `next()` returns the
 * current batch with `teacherLogits` attached and has already sent the following batch to the teacher, which then
 * computes while the student trains on this one. At most `limit` batches are taken from the iterator, so no teacher
 * pass is wasted after the last step.
 *
 * @example
 * ```ts
 * const prefetch = new TeacherPrefetch(iterator, onnxTeacher, { limit: totalSteps });
 * const { batch, after } = await prefetch.next(); // batch.teacherLogits is set
 * ```
 */
export class TeacherPrefetch {
  private pending: Promise<PrefetchedBatch> | undefined;
  private taken = 0;

  constructor(
    private readonly iterator: EpochIterator,
    private readonly teacher: Teacher,
    private readonly opts: { limit: number },
  ) {}

  /** The next batch with its teacher logits; starts the teacher on the one after it before returning. */
  async next(): Promise<PrefetchedBatch> {
    const current = await (this.pending ?? this.fetch());
    this.pending = this.taken < this.opts.limit ? this.fetch() : undefined;
    this.pending?.catch(() => undefined); // reported by the next() that awaits it
    return current;
  }

  private fetch(): Promise<PrefetchedBatch> {
    this.taken++;
    const positioned = this.iterator.next();
    const after = this.iterator.position;
    return batchTeacherLogits(this.teacher, positioned.batch).then(({ values, classes }) => {
      positioned.batch.teacherLogits = values; // [batch, classes]
      positioned.batch.numClasses = classes;
      return { ...positioned, after };
    });
  }
}
