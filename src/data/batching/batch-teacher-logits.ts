import type { Teacher } from '../../models/types.js';
import { teacherLogitsAsync } from '../../models/teacher-logits.js';
import { teacherFeed } from './batch.js';
import type { Batch } from '../types.js';

/**
 * The teacher's logits [batch, classes] for a host batch: fed its own ids when its tokenizer differs from the
 * student's, with the attention mask from the row lengths and the type ids of pairs.
 *
 * @example
 * ```ts
 * const { values, classes } = await batchTeacherLogits(teacher, batch);
 * ```
 */
export function batchTeacherLogits(teacher: Teacher, batch: Batch): Promise<{ values: Float32Array; classes: number }> {
  const feed = teacherFeed(batch);
  return teacherLogitsAsync(teacher, feed.inputIds, batch.batchSize, feed.seqLength, feed);
}
